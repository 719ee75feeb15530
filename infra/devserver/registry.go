package devserver

import (
	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/auth"
	"github.com/tallyhq/tally/shared/checkoutevents"
	"github.com/tallyhq/tally/shared/clicks"
	"github.com/tallyhq/tally/shared/login"
	"github.com/tallyhq/tally/shared/notify"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/reports"
	"github.com/tallyhq/tally/shared/shopifyhook"
	"github.com/tallyhq/tally/shared/snippet"
	"github.com/tallyhq/tally/shared/stripehook"
	"github.com/tallyhq/tally/shared/webhooks"
)

// Function is how the dev server builds the handler of one function of
// template.yaml: the same constructor its functions/<Dir>/main.go calls.
type Function struct {
	Dir  string // folder under functions/
	Main string // the constructor main.go passes to lambda.Start
	New  func(*app.Deps) apigw.Handler
}

// Functions maps each function's logical ID in template.yaml to its
// handler. A test checks it against the template, the Makefile and each
// main.go, so a function cannot be added in one place only.
var Functions = map[string]Function{
	"ClickLongFunction":                 {"click-long", "clicks.Long", clicks.Long},
	"ClickShortFunction":                {"click-short", "clicks.Short", clicks.Short},
	"OptInWebhookFunction":              {"webhook-optins", "webhooks.OptIns", webhooks.OptIns},
	"OrderWebhookFunction":              {"webhook-orders", "webhooks.Orders", webhooks.Orders},
	"LedgerReportFunction":              {"report-ledger", "reports.Ledger", reports.Ledger},
	"LinkStatsReportFunction":           {"report-link-stats", "reports.LinkStats", reports.LinkStats},
	"ProductsSoldReportFunction":        {"report-products-sold", "reports.ProductsSold", reports.ProductsSold},
	"CommissionStructureReportFunction": {"report-commission-structure", "reports.CommissionStructure", reports.CommissionStructure},
	"LoginPageFunction":                 {"login-page", "login.Page", login.Page},
	"LoginSubmitFunction":               {"login-submit", "login.Submit", login.Submit},
	"LoginLinkPageFunction":             {"login-link-page", "login.LinkPage", login.LinkPage},
	"LoginLinkSubmitFunction":           {"login-link-submit", "login.LinkSubmit", login.LinkSubmit},
	"LoginCodeFunction":                 {"login-code", "login.Code", login.Code},
	"LogoutFunction":                    {"logout", "login.Logout", login.Logout},
	"AssetsFunction":                    {"assets", "portal.Assets", portal.Assets},
	"AdminPayoutCreateFunction":         {"admin-payout-create", "admin.CreatePayout", admin.CreatePayout},
	"AdminPayoutListFunction":           {"admin-payout-list", "admin.ListPayouts", admin.ListPayouts},
	"AdminPayoutGetFunction":            {"admin-payout-get", "admin.GetPayout", admin.GetPayout},
	"AdminPayoutMarkPaidFunction":       {"admin-payout-mark-paid", "admin.MarkPaid", admin.MarkPaid},
	"AdminPayoutCancelFunction":         {"admin-payout-cancel", "admin.Cancel", admin.Cancel},
	"AdminPayoutItemReturnedFunction":   {"admin-payout-item-returned", "admin.ItemReturned", admin.ItemReturned},
	"AdminPayoutExportFunction":         {"admin-payout-export", "admin.Export", admin.Export},
	"AdminAdjustmentFunction":           {"admin-adjustment", "admin.Adjustment", admin.Adjustment},
	"AdminBalancesFunction":             {"admin-balances", "admin.Balances", admin.Balances},
	"AdminAffiliateLedgerFunction":      {"admin-affiliate-ledger", "reports.AffiliateLedger", reports.AffiliateLedger},
	"BalanceReportFunction":             {"report-balance", "reports.Balance", reports.Balance},
	"PayoutsReportFunction":             {"report-payouts", "reports.Payouts", reports.Payouts},
	"LinksReportFunction":               {"report-links", "reports.Links", reports.Links},
	"AdminOverviewFunction":             {"admin-overview", "admin.Overview", admin.Overview},
	"AdminAffiliatesFunction":           {"admin-affiliates", "admin.Affiliates", admin.Affiliates},
	"AdminAffiliateFunction":            {"admin-affiliate", "admin.Affiliate", admin.Affiliate},
	"StripeWebhookFunction":             {"webhook-stripe", "stripehook.Webhook", stripehook.Webhook},
	"ShopifyWebhookFunction":            {"webhook-shopify", "shopifyhook.Webhook", shopifyhook.Webhook},
	"SnippetFunction":                   {"snippet", "snippet.Handler", snippet.Handler},
	"ResourcesReportFunction":           {"report-resources", "reports.Resources", reports.Resources},
	"AdminWebhooksFailedFunction":       {"admin-webhooks-failed", "notify.FailedList", notify.FailedList},
	"AdminWebhooksResendFunction":       {"admin-webhooks-resend", "notify.FailedResend", notify.FailedResend},
	"AdminCheckoutEventsFunction":       {"admin-checkout-events", "admin.CheckoutEvents", admin.CheckoutEvents},
	"AdminCheckoutEventRetryFunction":   {"admin-checkout-event-retry", "checkoutevents.Retry", checkoutevents.Retry},
	"UnsubscribePageFunction":           {"unsubscribe-page", "notify.UnsubscribePage", notify.UnsubscribePage},
	"UnsubscribePostFunction":           {"unsubscribe-post", "notify.UnsubscribePost", notify.UnsubscribePost},
	"MailSettingsFunction":              {"mail-settings", "notify.MailSettings", notify.MailSettings},
	"MailSettingsPostFunction":          {"mail-settings-post", "notify.MailSettingsPost", notify.MailSettingsPost},
}

// Background lists the functions fed by the table's stream, a queue or a
// schedule rather than a route; the dev server runs them in process
// (notify.go), from the same constructors.
var Background = map[string]struct{ Dir, Main string }{
	"WebhookStreamFunction": {"notify-webhook-stream", "notify.WebhookStream"},
	"WebhookSenderFunction": {"notify-webhook-sender", "notify.WebhookSender"},
	"MailStreamFunction":    {"notify-mail-stream", "notify.MailStream"},
	"MailDigestFunction":    {"notify-mail-digest", "notify.DigestFunction"},
}

// Authorizers maps authorizer functions' logical IDs to their handlers.
var Authorizers = map[string]struct {
	Dir, Main string
	New       func(*app.Deps) auth.AuthorizerHandler
}{
	"AuthorizerFunction": {"authorizer", "auth.Authorizer", auth.Authorizer},
}
