package console

import (
	"fmt"
	"net/http"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/server/auth"
)

// handlerFunc serves a signed-in request.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rc *reqCtx)

// page is one route of the console. It mirrors an operation of the API (op): it calls the same
// use case and is open to the same roles, read from the API's access policy, so the menu and the
// API cannot disagree about who may do what.
type page struct {
	route string
	op    string
	menu  string // message key of its menu entry; empty for a form's target
	href  string
	serve func(c *Console, w http.ResponseWriter, r *http.Request, rc *reqCtx)
	roles []identity.Role
}

// pageTable is every page and form target after sign-in, in menu order.
var pageTable = []page{
	{route: "GET " + dashboardPath, op: "/groupbuy.v1.OpsDashboard/GetDashboard",
		menu: "menu.dashboard", href: dashboardPath, serve: (*Console).dashboardPage},
	{route: "GET " + metricsPath, op: "/groupbuy.v1.OpsMetrics/GetMetrics",
		menu: "menu.metrics", href: metricsPath, serve: (*Console).metricsPage},
	{route: "GET " + metricsJSON, op: "/groupbuy.v1.OpsMetrics/GetMetrics", serve: (*Console).metricsDataJSON},
	{route: "GET " + metricsCSV, op: "/groupbuy.v1.OpsMetrics/GetMetrics", serve: (*Console).metricsCSVFile},
	{route: "GET /console/finance/ledger", op: "/groupbuy.v1.FinanceLedger/GetTrialBalance",
		menu: "menu.ledger", href: "/console/finance/ledger", serve: (*Console).ledgerPage},
	{route: "POST /console/finance/ledger/check", op: "/groupbuy.v1.FinanceLedger/CheckLedger",
		serve: (*Console).checkLedger},
	{route: "GET /console/finance/settlement/runs", op: "/groupbuy.v1.FinanceSettlement/ListSettlementRuns",
		menu: "menu.settlement_runs", href: "/console/finance/settlement/runs", serve: (*Console).runsPage},
	{route: startRoute, op: "/groupbuy.v1.FinanceSettlement/StartSettlementRun",
		serve: (*Console).startRun},
	{route: runRoute, op: "/groupbuy.v1.FinanceSettlement/GetSettlementRun", serve: (*Console).runPage},
	{route: retryRoute, op: "/groupbuy.v1.FinanceSettlement/RetrySettlementRun", serve: (*Console).retryRun},
	{route: csvRoute, op: "/groupbuy.v1.FinanceSettlement/ExportSettlementRun", serve: (*Console).runCSV},
	{route: "GET " + atRiskPath, op: "/groupbuy.v1.FinanceSettlement/ListAtRiskTransactions",
		menu: "menu.at_risk", href: atRiskPath, serve: (*Console).atRiskPage},
	{route: "GET " + reconPath, op: "/groupbuy.v1.FinanceReconciliation/GetReconciliation",
		menu: "menu.reconciliation", href: reconPath, serve: (*Console).reconPage},
	{route: "GET " + reconCSV, op: "/groupbuy.v1.FinanceReconciliation/ExportReconciliation",
		serve: (*Console).reconCSVFile},
	{route: "GET " + statementPath, op: "/groupbuy.v1.FinanceLedger/ExportLeaderStatement",
		menu: "menu.statement", href: statementPath, serve: (*Console).statementPage},
	{route: "GET " + statementCSV, op: "/groupbuy.v1.FinanceLedger/ExportLeaderStatement",
		serve: (*Console).statementCSVFile},
	{route: "GET " + plansPath, op: "/groupbuy.v1.CommissionOps/ListPlans",
		menu: "menu.plans", href: plansPath, serve: (*Console).plansPage},
	{route: createPlanRoute, op: "/groupbuy.v1.CommissionOps/CreatePlan", serve: (*Console).createPlan},
	{route: "GET " + chartPath, op: "/groupbuy.v1.FinanceSettlement/GetSettledByDay",
		menu: "menu.settled_chart", href: chartPath, serve: (*Console).chartPage},
	{route: "GET " + chartJSON, op: "/groupbuy.v1.FinanceSettlement/GetSettledByDay", serve: (*Console).chartDataJSON},
	{route: "GET " + receiversPath, op: "/groupbuy.v1.ReceiverOps/ListReceiverRegistrations",
		menu: "menu.receivers", href: receiversPath, serve: (*Console).receiversPage},
	{route: retryRegRoute, op: "/groupbuy.v1.ReceiverOps/RetryReceiverRegistration", serve: (*Console).retryRegistration},
	{route: "GET " + leadersPath, op: "/groupbuy.v1.LeaderOps/ListLeaders",
		menu: "menu.leaders", href: leadersPath, serve: (*Console).leadersPage},
	{route: "GET " + leadersPath + "/{id}", op: "/groupbuy.v1.LeaderOps/GetLeader", serve: (*Console).leaderPage},
	{route: approveLeaderRoute, op: "/groupbuy.v1.LeaderOps/ApproveLeader", serve: (*Console).approveLeader},
	{route: rejectLeaderRoute, op: "/groupbuy.v1.LeaderOps/RejectLeader", serve: (*Console).rejectLeader},
	{route: suspendLeaderRoute, op: "/groupbuy.v1.LeaderOps/SuspendLeader", serve: (*Console).suspendLeader},
	{route: reinstateLeaderRoute, op: "/groupbuy.v1.LeaderOps/ReinstateLeader", serve: (*Console).reinstateLeader},
	{route: removeLeaderRoute, op: "/groupbuy.v1.LeaderOps/RemoveLeader", serve: (*Console).removeLeader},
	{route: "GET " + batchesPath, op: "/groupbuy.v1.BatchOps/ListBatches",
		menu: "menu.batches", href: batchesPath, serve: (*Console).batchesPage},
	{route: createBatchRoute, op: "/groupbuy.v1.BatchOps/CreateBatch", serve: (*Console).createBatch},
	{route: "GET " + batchesPath + "/{id}", op: "/groupbuy.v1.BatchOps/GetBatch", serve: (*Console).batchPage},
	{route: scheduleRoute, op: "/groupbuy.v1.BatchOps/ScheduleBatch", serve: (*Console).scheduleBatch},
	{route: dispatchRoute, op: "/groupbuy.v1.BatchOps/DispatchBatch", serve: (*Console).dispatchBatch},
	{route: cancelBatchRoute, op: "/groupbuy.v1.BatchOps/CancelBatch", serve: (*Console).cancelBatch},
	{route: batchStockRoute, op: "/groupbuy.v1.BatchOps/GetBatchStock", serve: (*Console).batchPage},
	{route: rebuildStockRoute, op: "/groupbuy.v1.BatchOps/RebuildStock", serve: (*Console).rebuildStock},
	{route: dispatchListRoute, op: "/groupbuy.v1.BatchOps/GetDispatchList", serve: (*Console).dispatchListPage},
	{route: "GET " + productsPath, op: "/groupbuy.v1.CatalogOps/ListProducts",
		menu: "menu.products", href: productsPath, serve: (*Console).productsPage},
	{route: newProductRoute, op: "/groupbuy.v1.CatalogOps/CreateProduct", serve: (*Console).newProductPage},
	{route: createProductRoute, op: "/groupbuy.v1.CatalogOps/CreateProduct", serve: (*Console).createProduct},
	{route: productRoute, op: "/groupbuy.v1.CatalogOps/GetProduct", serve: (*Console).productPage},
	{route: updateProductRoute, op: "/groupbuy.v1.CatalogOps/UpdateProduct", serve: (*Console).updateProduct},
	{route: productStatusRoute, op: "/groupbuy.v1.CatalogOps/SetProductStatus", serve: (*Console).setProductStatus},
	{route: addSKURoute, op: "/groupbuy.v1.CatalogOps/AddSku", serve: (*Console).addSKU},
	{route: updateSKURoute, op: "/groupbuy.v1.CatalogOps/UpdateSku", serve: (*Console).updateSKU},
	{route: "GET " + couponsPath, op: "/groupbuy.v1.PromoOps/ListCouponTemplates",
		menu: "menu.coupons", href: couponsPath, serve: (*Console).couponsPage},
	{route: newCouponRoute, op: "/groupbuy.v1.PromoOps/CreateCouponTemplate", serve: (*Console).newCouponPage},
	{route: createCouponRoute, op: "/groupbuy.v1.PromoOps/CreateCouponTemplate", serve: (*Console).createCoupon},
	{route: couponRoute, op: "/groupbuy.v1.PromoOps/GetCouponTemplate", serve: (*Console).couponPage},
	{route: updateCouponRoute, op: "/groupbuy.v1.PromoOps/UpdateCouponTemplate", serve: (*Console).updateCoupon},
	{route: moveCouponRoute, op: "/groupbuy.v1.PromoOps/SetCouponTemplateStatus", serve: (*Console).moveCoupon},
	{route: "GET " + activitiesPath, op: "/groupbuy.v1.PromoOps/ListActivities",
		menu: "menu.activities", href: activitiesPath, serve: (*Console).activitiesPage},
	{route: "GET " + invitationsPath, op: "/groupbuy.v1.InvitationOps/ListInvitations",
		menu: "menu.invitations", href: invitationsPath, serve: (*Console).invitationsPage},
	{route: "GET " + layersPath, op: "/groupbuy.v1.LayerOps/GetLayerCounts",
		menu: "menu.layers", href: layersPath, serve: (*Console).layersPage},
	{route: createTargetedRoute, op: "/groupbuy.v1.LayerOps/CreateTargetedSend", serve: (*Console).createTargeted},
	{route: createActivityRoute, op: "/groupbuy.v1.PromoOps/CreateActivity", serve: (*Console).createActivity},
	{route: moveActivityRoute, op: "/groupbuy.v1.PromoOps/SetActivityStatus", serve: (*Console).moveActivity},
	{route: "GET " + afterSalesPath, op: "/groupbuy.v1.AfterSalesOps/ListAfterSales",
		menu: "menu.after_sales", href: afterSalesPath, serve: (*Console).afterSalesPage},
	{route: reviewAfterSaleRt, op: "/groupbuy.v1.AfterSalesOps/ReviewAfterSale", serve: (*Console).reviewAfterSale},
	{route: "GET " + gridsPath, op: "/groupbuy.v1.LeaderOps/ListGrids",
		menu: "menu.grids", href: gridsPath, serve: (*Console).gridsPage},
	{route: saveGridRoute, op: "/groupbuy.v1.LeaderOps/SaveGrid", serve: (*Console).saveGrid},
	{route: "GET " + shippingPath, op: "/groupbuy.v1.ShippingOps/ListDeclarations",
		menu: "menu.shipping", href: shippingPath, serve: (*Console).shippingPage},
	{route: retryDeclRoute, op: "/groupbuy.v1.ShippingOps/RetryDeclaration", serve: (*Console).retryDeclaration},
	{route: "GET " + auditPath, op: "/groupbuy.v1.AuditLog/SearchAuditEntries",
		menu: "menu.audit", href: auditPath, serve: (*Console).auditPage},
}

// resolvePages gives each page the roles of its API operation.
func resolvePages(policy auth.Policy) ([]page, error) {
	out := make([]page, len(pageTable))
	for i, p := range pageTable {
		a, ok := policy[p.op]
		if !ok || a.Public || len(a.Roles) == 0 {
			return nil, fmt.Errorf("console page %s mirrors %s, which has no role in the API policy", p.route, p.op)
		}
		p.roles = a.Roles
		out[i] = p
	}
	return out, nil
}

// may reports whether p may use the page or form of route: a page shows a form only to those
// whom its target would accept.
func (c *Console) may(p identity.Principal, route string) bool {
	for _, pg := range c.pages {
		if pg.route == route {
			return p.Has(pg.roles...)
		}
	}
	return false
}

// menuItem is one entry of the menu.
type menuItem struct {
	Href   string
	Label  string
	Active bool
}

// menu is the pages p may open, the current one marked.
func (c *Console) menu(p identity.Principal, current string) []menuItem {
	items := []menuItem{{Href: Prefix, Label: c.msg.T("menu.home"), Active: current == Prefix}}
	for _, pg := range c.pages {
		if pg.menu != "" && p.Has(pg.roles...) {
			items = append(items, menuItem{Href: pg.href, Label: c.msg.T(pg.menu), Active: current == pg.href})
		}
	}
	return items
}
