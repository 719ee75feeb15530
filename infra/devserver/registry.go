package devserver

import (
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/auth"
	"github.com/tallyhq/tally/shared/clicks"
	"github.com/tallyhq/tally/shared/login"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/reports"
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
	"LinksReportFunction":               {"report-links", "reports.Links", reports.Links},
}

// Authorizers maps authorizer functions' logical IDs to their handlers.
var Authorizers = map[string]struct {
	Dir, Main string
	New       func(*app.Deps) auth.AuthorizerHandler
}{
	"AuthorizerFunction": {"authorizer", "auth.Authorizer", auth.Authorizer},
}
