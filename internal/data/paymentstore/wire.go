package paymentstore

import (
	"github.com/google/wire"

	"github.com/groupbuy/groupbuy/internal/biz/dashboard"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
)

// ProviderSet builds the stores of payments, refunds and receiver registrations.
var ProviderSet = wire.NewSet(
	NewPaymentStore,
	NewRegistrationQueue,
	NewReceiverQueue,
	NewDashboardPayments,
	wire.Bind(new(dashboard.Payments), new(*DashboardPayments)),
	wire.Bind(new(payment.Store), new(*PaymentStore)),
	wire.Bind(new(payment.RegistrationQueue), new(*RegistrationQueue)),
	wire.Bind(new(payment.RegistrationBook), new(*RegistrationQueue)),
)
