package service

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/port"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
)

// FinanceReconciliationService shows finance a day's reconciliation against WeChat Pay's bills.
// It only reads. The roles are declared on the RPCs (finance, admin) and enforced by the auth
// middleware.
type FinanceReconciliationService struct {
	v1.UnimplementedFinanceReconciliationServer
	rec *reconcile.Reconciler
	now port.Clock
}

// NewFinanceReconciliationService wraps the reconciler; now decides which days may be asked for.
func NewFinanceReconciliationService(rec *reconcile.Reconciler, now port.Clock) *FinanceReconciliationService {
	return &FinanceReconciliationService{rec: rec, now: now}
}

func (s *FinanceReconciliationService) day(ctx context.Context, day string) (*reconcile.Report, error) {
	d, err := reconcile.ParseDay(day, s.now())
	if err != nil {
		return nil, toAPIError(err)
	}
	r, err := s.rec.Day(ctx, d)
	if err != nil {
		return nil, toAPIError(err)
	}
	return r, nil
}

func (s *FinanceReconciliationService) GetReconciliation(ctx context.Context, req *v1.GetReconciliationRequest) (*v1.ReconciliationReport, error) {
	r, err := s.day(ctx, req.GetDay())
	if err != nil {
		return nil, err
	}
	return reconciliationProto(r), nil
}

func (s *FinanceReconciliationService) ExportReconciliation(ctx context.Context, req *v1.ExportReconciliationRequest) (*httpbody.HttpBody, error) {
	r, err := s.day(ctx, req.GetDay())
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := reconcile.WriteCSV(&b, r); err != nil {
		return nil, toAPIError(err)
	}
	return csvFile(ctx, fmt.Sprintf("reconciliation-%s.csv", r.Day.In(bjtime.Zone).Format(time.DateOnly)), b.Bytes()), nil
}

func reconciliationProto(r *reconcile.Report) *v1.ReconciliationReport {
	c := r.Counts
	out := &v1.ReconciliationReport{Day: r.Day.In(bjtime.Zone).Format(time.DateOnly), Clean: r.Clean,
		Counts: &v1.ReconciliationCounts{BillPayments: int32(c.BillPayments), BillRefunds: int32(c.BillRefunds),
			BillShares: int32(c.BillShares), BillUnfreezes: int32(c.BillUnfreezes), BillReturns: int32(c.BillReturns),
			OurPayments: int32(c.OurPayments), OurRefunds: int32(c.OurRefunds), OurShares: int32(c.OurShares),
			Matched: int32(c.Matched), Orders: int32(c.Orders)},
		Differences: differencesProto(r.Differences), Notes: differencesProto(r.Notes),
		Discounts: promotionsProto(r.Discounts)}
	return out
}

func differencesProto(ds []reconcile.Difference) []*v1.ReconciliationDifference {
	out := make([]*v1.ReconciliationDifference, len(ds))
	for i, d := range ds {
		out[i] = &v1.ReconciliationDifference{Kind: string(d.Kind), Category: d.Category, Ref: d.Ref,
			OursFen: d.Ours, WechatFen: d.WeChat, Detail: d.Detail, Advice: d.Advice}
	}
	return out
}
