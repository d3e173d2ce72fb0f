package commission

// Discounts are what a set of paid orders sold and what promotions took off them, in fen, as
// the orders recorded it at checkout:
//
//	Goods − PromoOff − CouponOff = Paid, and LeaderFunded ≤ CouponOff.
//
// Goods is the presale value of the lines the shoppers paid for; gifts of a 满赠 tier are paid
// nothing and valued apart, at their presale price, in Gifts. LeaderFunded is the part of the
// coupons the serving leaders' level-0 commission bore; the platform funded every other fen off
// (PlatformFunded) and the gifts. Refunds later change none of these: they are the orders as sold.
type Discounts struct {
	Orders       int64
	Goods        int64
	PromoOff     int64 // 满减
	CouponOff    int64
	LeaderFunded int64
	Paid         int64
	Gifts        int64
}

// PlatformFunded is the money off the platform bore: every 满减 and the coupons it funds.
func (d Discounts) PlatformFunded() int64 { return d.PromoOff + d.CouponOff - d.LeaderFunded }
