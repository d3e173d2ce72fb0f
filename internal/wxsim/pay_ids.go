package wxsim

import (
	"fmt"
	"time"
)

const digits = "0123456789"

// Identifiers WeChat Pay assigns, shaped like its own so the service's columns and validation
// meet realistic values. Each carries the state's sequence number, so two are never equal even
// within one second; the caller holds p.mu.

func (p *payState) nextSeq() uint64 {
	p.seq++
	return p.seq
}

// newPrepayID is "wx", the time to the second and 20 hex digits, 36 in all.
func (p *payState) newPrepayID(now time.Time) string {
	return fmt.Sprintf("wx%s%s%08x", beijingTime(now).Format("20060102150405"), randomString(12, "0123456789abcdef"), p.nextSeq()%(1<<32))
}

// newTransactionID is 28 digits: "42000", 5 random digits, the date and 10 of sequence.
func (p *payState) newTransactionID(now time.Time) string {
	return fmt.Sprintf("42000%s%s%010d", randomString(5, digits), beijingTime(now).Format("20060102"), p.nextSeq()%1e10)
}

// newRefundID is 29 digits starting "50".
func (p *payState) newRefundID(now time.Time) string {
	return fmt.Sprintf("50%s%s%010d", randomString(9, digits), beijingTime(now).Format("20060102"), p.nextSeq()%1e10)
}

// newSharingOrderID is 28 digits starting "30", like WeChat's profit-sharing order_id.
func (p *payState) newSharingOrderID(now time.Time) string {
	return fmt.Sprintf("30%s%s%010d", randomString(8, digits), beijingTime(now).Format("20060102"), p.nextSeq()%1e10)
}

// newDetailID is 23 digits starting "36", like a profit-sharing detail_id.
func (p *payState) newDetailID() string {
	return fmt.Sprintf("36%s%010d", randomString(11, digits), p.nextSeq()%1e10)
}

// newReturnID is 28 digits starting "30", like return_id.
func (p *payState) newReturnID(now time.Time) string {
	return p.newSharingOrderID(now)
}

// newNotificationID is "EV-" and 19 digits, like a notification id.
func (p *payState) newNotificationID(now time.Time) string {
	return fmt.Sprintf("EV-%s%05d", beijingTime(now).Format("20060102150405"), p.nextSeq()%1e5)
}
