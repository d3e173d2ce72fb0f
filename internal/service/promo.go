package service

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/promo"
)

// PromoOpsService is the ops console's coupon templates and 满减 activities.
type PromoOpsService struct {
	v1.UnimplementedPromoOpsServer
	admin *promo.Admin
	sends *promo.Sends
}

// NewPromoOpsService wraps the use cases.
func NewPromoOpsService(admin *promo.Admin, sends *promo.Sends) *PromoOpsService {
	return &PromoOpsService{admin: admin, sends: sends}
}

func (s *PromoOpsService) CreateCouponSend(ctx context.Context, req *v1.CreateCouponSendRequest) (*v1.CouponSend, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return sendReply(s.sends.Create(ctx, req.GetTemplateId(), req.GetUserIds(), req.GetNote(), p.ID))
}

func (s *PromoOpsService) GetCouponSend(ctx context.Context, req *v1.GetPromoRequest) (*v1.CouponSend, error) {
	return sendReply(s.sends.Send(ctx, req.GetId()))
}

func sendReply(send *promo.Send, err error) (*v1.CouponSend, error) {
	if err != nil {
		return nil, toAPIError(err)
	}
	return &v1.CouponSend{Id: send.ID, TemplateId: send.TemplateID, Note: send.Note, Status: string(send.Status),
		Total: int32(send.Total), Issued: int32(send.Issued), Skipped: int32(send.Skipped),
		CreatedAt: optionalTime(send.CreatedAt), FinishedAt: optionalTime(send.FinishedAt)}, nil
}

func (s *PromoOpsService) CreateCouponTemplate(ctx context.Context, req *v1.CouponTemplateInput) (*v1.CouponTemplate, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return templateReply(s.admin.CreateTemplate(ctx, templateInput(req), p.ID))
}

func (s *PromoOpsService) UpdateCouponTemplate(ctx context.Context, req *v1.UpdateCouponTemplateRequest) (*v1.CouponTemplate, error) {
	t := templateInput(req.GetTemplate())
	t.ID = req.GetId()
	return templateReply(s.admin.UpdateTemplate(ctx, t))
}

func (s *PromoOpsService) SetCouponTemplateStatus(ctx context.Context, req *v1.SetPromoStatusRequest) (*v1.CouponTemplate, error) {
	return templateReply(s.admin.MoveTemplate(ctx, req.GetId(), promo.TemplateStatus(req.GetStatus())))
}

func (s *PromoOpsService) GetCouponTemplate(ctx context.Context, req *v1.GetPromoRequest) (*v1.CouponTemplate, error) {
	return templateReply(s.admin.Template(ctx, req.GetId()))
}

func (s *PromoOpsService) ListCouponTemplates(ctx context.Context, req *v1.ListCouponTemplatesRequest) (*v1.ListCouponTemplatesReply, error) {
	ts, err := s.admin.Templates(ctx, promo.TemplateFilter{Channel: promo.Channel(req.GetChannel()),
		Status: promo.TemplateStatus(req.GetStatus()), BeforeID: req.GetBeforeId(), Limit: pageSizeOr(req.GetPageSize(), 50)})
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListCouponTemplatesReply{Templates: make([]*v1.CouponTemplate, len(ts))}
	for i, t := range ts {
		reply.Templates[i] = toTemplateMsg(t)
	}
	return reply, nil
}

func (s *PromoOpsService) CreateActivity(ctx context.Context, req *v1.ActivityInput) (*v1.Activity, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return activityReply(s.admin.CreateActivity(ctx, activityInput(req), p.ID))
}

func (s *PromoOpsService) UpdateActivity(ctx context.Context, req *v1.UpdateActivityRequest) (*v1.Activity, error) {
	a := activityInput(req.GetActivity())
	a.ID = req.GetId()
	return activityReply(s.admin.UpdateActivity(ctx, a))
}

func (s *PromoOpsService) SetActivityStatus(ctx context.Context, req *v1.SetPromoStatusRequest) (*v1.Activity, error) {
	return activityReply(s.admin.MoveActivity(ctx, req.GetId(), promo.ActivityStatus(req.GetStatus())))
}

func (s *PromoOpsService) GetActivity(ctx context.Context, req *v1.GetPromoRequest) (*v1.Activity, error) {
	return activityReply(s.admin.Activity(ctx, req.GetId()))
}

func (s *PromoOpsService) ListActivities(ctx context.Context, req *v1.ListActivitiesRequest) (*v1.ListActivitiesReply, error) {
	as, err := s.admin.Activities(ctx, promo.ActivityFilter{Status: promo.ActivityStatus(req.GetStatus()),
		BeforeID: req.GetBeforeId(), Limit: pageSizeOr(req.GetPageSize(), 50)})
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListActivitiesReply{Activities: make([]*v1.Activity, len(as))}
	for i, a := range as {
		reply.Activities[i] = toActivityMsg(a)
	}
	return reply, nil
}

// PromoShopService is the mini-program's coupons.
type PromoShopService struct {
	v1.UnimplementedPromoShopServer
	claims *promo.Claims
	shop   *promo.Shop
}

// NewPromoShopService wraps the use cases.
func NewPromoShopService(claims *promo.Claims, shop *promo.Shop) *PromoShopService {
	return &PromoShopService{claims: claims, shop: shop}
}

func (s *PromoShopService) ListClaimableCoupons(ctx context.Context, _ *v1.ListClaimableCouponsRequest) (*v1.ListClaimableCouponsReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := s.shop.Claimable(ctx, p.ID)
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListClaimableCouponsReply{Templates: make([]*v1.ClaimableCoupon, len(cs))}
	for i, c := range cs {
		reply.Templates[i] = &v1.ClaimableCoupon{TemplateId: c.ID, Name: c.Name, Discount: discountMsg(c.Discount),
			Scope: scopeMsg(c.Scope), ValidFrom: optionalTime(c.Validity.Window.From),
			ValidUntil: optionalTime(c.Validity.Window.Until), ValidDays: int32(c.Validity.Days),
			ClaimUntil: timestamppb.New(c.ClaimWindow.Until), PerShopper: int32(c.Budget.PerShopper),
			Held: int32(c.Held), Reached: c.Reached, SoldOut: c.SoldOut}
	}
	return reply, nil
}

func (s *PromoShopService) ClaimCoupon(ctx context.Context, req *v1.ClaimCouponRequest) (*v1.Coupon, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.claims.Claim(ctx, p.ID, req.GetTemplateId())
	if err != nil {
		return nil, toAPIError(err)
	}
	return toCouponMsg(c), nil
}

func (s *PromoShopService) ListMyCoupons(ctx context.Context, req *v1.ListMyCouponsRequest) (*v1.ListMyCouponsReply, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := s.shop.Mine(ctx, p.ID, promo.CouponState(req.GetState()), req.GetBeforeId(), pageSizeOr(req.GetPageSize(), 50))
	if err != nil {
		return nil, toAPIError(err)
	}
	reply := &v1.ListMyCouponsReply{Coupons: make([]*v1.Coupon, len(cs))}
	for i, c := range cs {
		reply.Coupons[i] = toCouponMsg(c)
	}
	return reply, nil
}

func templateInput(in *v1.CouponTemplateInput) *promo.Template {
	return &promo.Template{
		Name: in.GetName(), Discount: discountInput(in.GetDiscount()), Scope: scopeInput(in.GetScope()),
		Validity: promo.Validity{Days: int(in.GetValidDays()),
			Window: promo.Window{From: inputTime(in.GetValidFrom()), Until: inputTime(in.GetValidUntil())}},
		Budget: promo.Budget{Count: in.GetBudgetCount(), Amount: in.GetBudgetAmountFen(),
			PerShopper: int(in.GetPerShopper())},
		FundedBy:    promo.Funder(in.GetFundedBy()),
		Channel:     promo.Channel(in.GetChannel()),
		ClaimWindow: promo.Window{From: inputTime(in.GetClaimFrom()), Until: inputTime(in.GetClaimUntil())},
	}
}

func discountInput(in *v1.CouponDiscount) promo.Discount {
	return promo.Discount{Kind: promo.DiscountKind(in.GetKind()), AmountOff: in.GetAmountOffFen(),
		PercentBP: int(in.GetPercentBp()), MaxOff: in.GetMaxOffFen(), Threshold: in.GetThresholdFen()}
}

func scopeInput(in *v1.PromoScope) promo.Scope {
	return promo.Scope{Kind: promo.ScopeKind(in.GetKind()), IDs: in.GetIds(), Cells: in.GetCells()}
}

func activityInput(in *v1.ActivityInput) *promo.Activity {
	a := &promo.Activity{Name: in.GetName(), Scope: scopeInput(in.GetScope()),
		Window: promo.Window{From: inputTime(in.GetStartsAt()), Until: inputTime(in.GetEndsAt())}}
	for _, t := range in.GetTiers() {
		a.Tiers = append(a.Tiers, promo.Tier{Threshold: t.GetThresholdFen(), Off: t.GetOffFen(),
			GiftItemID: t.GetGiftItemId(), GiftQty: t.GetGiftQty()})
	}
	return a
}

// inputTime is an optional timestamp of a request: zero when absent, which biz refuses where
// it needs one.
func inputTime(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func optionalTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func discountMsg(d promo.Discount) *v1.CouponDiscount {
	return &v1.CouponDiscount{Kind: string(d.Kind), AmountOffFen: d.AmountOff, PercentBp: int32(d.PercentBP),
		MaxOffFen: d.MaxOff, ThresholdFen: d.Threshold}
}

func scopeMsg(s promo.Scope) *v1.PromoScope {
	return &v1.PromoScope{Kind: string(s.Kind), Ids: s.IDs, Cells: s.Cells}
}

func templateReply(v *promo.TemplateView, err error) (*v1.CouponTemplate, error) {
	if err != nil {
		return nil, toAPIError(err)
	}
	return toTemplateMsg(v), nil
}

func toTemplateMsg(v *promo.TemplateView) *v1.CouponTemplate {
	t, f := v.Template, v.Figures
	return &v1.CouponTemplate{
		Id: t.ID, Status: string(t.Status),
		Template: &v1.CouponTemplateInput{Name: t.Name, Discount: discountMsg(t.Discount), Scope: scopeMsg(t.Scope),
			ValidFrom: optionalTime(t.Validity.Window.From), ValidUntil: optionalTime(t.Validity.Window.Until),
			ValidDays: int32(t.Validity.Days), BudgetCount: t.Budget.Count, BudgetAmountFen: t.Budget.Amount,
			PerShopper: int32(t.Budget.PerShopper), FundedBy: string(t.FundedBy), Channel: string(t.Channel),
			ClaimFrom: timestamppb.New(t.ClaimWindow.From), ClaimUntil: timestamppb.New(t.ClaimWindow.Until)},
		Figures: &v1.CouponFigures{Issued: f.Issued, Locked: f.Locked, Used: f.Used, Expired: f.Expired,
			Remaining: v.Left(), BookedFen: f.Booked, SpentFen: f.Spent},
		CreatedAt: optionalTime(t.CreatedAt), UpdatedAt: optionalTime(t.UpdatedAt),
	}
}

func activityReply(a *promo.Activity, err error) (*v1.Activity, error) {
	if err != nil {
		return nil, toAPIError(err)
	}
	return toActivityMsg(a), nil
}

func toActivityMsg(a *promo.Activity) *v1.Activity {
	in := &v1.ActivityInput{Name: a.Name, Scope: scopeMsg(a.Scope), StartsAt: timestamppb.New(a.Window.From),
		EndsAt: timestamppb.New(a.Window.Until)}
	for _, t := range a.Tiers {
		in.Tiers = append(in.Tiers, &v1.ActivityTier{ThresholdFen: t.Threshold, OffFen: t.Off,
			GiftItemId: t.GiftItemID, GiftQty: t.GiftQty})
	}
	return &v1.Activity{Id: a.ID, Activity: in, Status: string(a.Status),
		CreatedAt: optionalTime(a.CreatedAt), UpdatedAt: optionalTime(a.UpdatedAt)}
}

func toCouponMsg(c *promo.Coupon) *v1.Coupon {
	return &v1.Coupon{Id: c.ID, TemplateId: c.TemplateID, Name: c.Rules.Name, Discount: discountMsg(c.Rules.Discount),
		Scope: scopeMsg(c.Rules.Scope), State: string(c.State), ValidFrom: timestamppb.New(c.ValidFrom),
		ValidUntil: timestamppb.New(c.ValidUntil), ClaimedAt: timestamppb.New(c.ClaimedAt), OrderId: c.OrderID,
		DiscountFen: c.Discount}
}
