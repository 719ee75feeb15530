// Package lambdas is the application's table of functions: each Lambda of
// template.yaml, the folder its binary is built from, the constructor its
// main.go starts, and what triggers it. functions/*/main.go and the
// Makefile's build lines are generated from it (go generate), and the dev
// server builds every route and background consumer from it.
package lambdas

//go:generate go run gen.go

import (
	"context"
	"reflect"
	"runtime"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/background/boards"
	"github.com/tallyhq/tally/shared/handlers/background/imports"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/handlers/background/payouts"
	"github.com/tallyhq/tally/shared/handlers/checkout/shopifyhook"
	"github.com/tallyhq/tally/shared/handlers/checkout/stripehook"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/handlers/owner/applicants"
	"github.com/tallyhq/tally/shared/handlers/owner/checkoutevents"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
	"github.com/tallyhq/tally/shared/handlers/public/join"
	"github.com/tallyhq/tally/shared/handlers/public/login"
	"github.com/tallyhq/tally/shared/handlers/public/snippet"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/auth"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Function is one Lambda of template.yaml. Exactly one constructor is set,
// and which one says what triggers the function on AWS.
type Function struct {
	ID  string // logical ID in template.yaml
	Dir string // folder under functions/, and its sample events/<Dir>.json

	Route      func(*app.Deps) apigw.Handler          // an HTTP API route
	Authorizer func(*app.Deps) auth.AuthorizerHandler // the HTTP API's request authorizer
	Stream     func(*app.Deps) notify.StreamFunction  // the table's stream
	Queue      func(*app.Deps) QueueHandler           // an SQS queue
	Schedule   func(*app.Deps) ScheduledHandler       // an EventBridge schedule
}

// QueueHandler is an SQS consumer as Lambda runs it.
type QueueHandler = func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// ScheduledHandler is what a schedule invokes: the schedule's input, then
// whether the run is done.
type ScheduledHandler = func(context.Context, notify.DigestInput) error

// Trigger is what invokes a function on AWS.
type Trigger string

// The triggers, as template.yaml names their event sources.
const (
	Route      Trigger = "HttpApi"
	Authorizer Trigger = "Authorizer"
	Stream     Trigger = "DynamoDB"
	Queue      Trigger = "SQS"
	Schedule   Trigger = "Schedule"
)

// All is every function, in the Makefile's order.
var All = []Function{
	{ID: "AuthorizerFunction", Dir: "authorizer", Authorizer: auth.Authorizer},
	{ID: "ClickLongFunction", Dir: "click-long", Route: clicks.Long},
	{ID: "ClickShortFunction", Dir: "click-short", Route: clicks.Short},
	{ID: "OptInWebhookFunction", Dir: "webhook-optins", Route: webhooks.OptIns},
	{ID: "OrderWebhookFunction", Dir: "webhook-orders", Route: webhooks.Orders},
	{ID: "LedgerReportFunction", Dir: "report-ledger", Route: reports.Ledger},
	{ID: "LinkStatsReportFunction", Dir: "report-link-stats", Route: reports.LinkStats},
	{ID: "ProductsSoldReportFunction", Dir: "report-products-sold", Route: reports.ProductsSold},
	{ID: "CommissionStructureReportFunction", Dir: "report-commission-structure", Route: reports.CommissionStructure},
	{ID: "LinksReportFunction", Dir: "report-links", Route: reports.Links},
	{ID: "RecruitsReportFunction", Dir: "report-recruits", Route: reports.Recruits},
	{ID: "LoginPageFunction", Dir: "login-page", Route: login.Page},
	{ID: "LoginSubmitFunction", Dir: "login-submit", Route: login.Submit},
	{ID: "LoginLinkPageFunction", Dir: "login-link-page", Route: login.LinkPage},
	{ID: "LoginLinkSubmitFunction", Dir: "login-link-submit", Route: login.LinkSubmit},
	{ID: "LoginCodeFunction", Dir: "login-code", Route: login.Code},
	{ID: "LogoutFunction", Dir: "logout", Route: login.Logout},
	{ID: "JoinPageFunction", Dir: "join-page", Route: join.Page},
	{ID: "JoinEventPageFunction", Dir: "join-event-page", Route: join.Page},
	{ID: "JoinSubmitFunction", Dir: "join-submit", Route: join.Submit},
	{ID: "JoinConfirmPageFunction", Dir: "join-confirm-page", Route: join.ConfirmPage},
	{ID: "JoinConfirmFunction", Dir: "join-confirm", Route: join.Confirm},
	{ID: "AssetsFunction", Dir: "assets", Route: portal.Assets},
	{ID: "AdminPayoutCreateFunction", Dir: "admin-payout-create", Route: admin.CreatePayout},
	{ID: "AdminPayoutListFunction", Dir: "admin-payout-list", Route: admin.ListPayouts},
	{ID: "AdminPayoutGetFunction", Dir: "admin-payout-get", Route: admin.GetPayout},
	{ID: "AdminPayoutMarkPaidFunction", Dir: "admin-payout-mark-paid", Route: admin.MarkPaid},
	{ID: "AdminPayoutCancelFunction", Dir: "admin-payout-cancel", Route: admin.Cancel},
	{ID: "AdminPayoutItemReturnedFunction", Dir: "admin-payout-item-returned", Route: admin.ItemReturned},
	{ID: "AdminPayoutExportFunction", Dir: "admin-payout-export", Route: admin.Export},
	{ID: "AdminAdjustmentFunction", Dir: "admin-adjustment", Route: admin.Adjustment},
	{ID: "AdminBalancesFunction", Dir: "admin-balances", Route: admin.Balances},
	{ID: "AdminAffiliateLedgerFunction", Dir: "admin-affiliate-ledger", Route: reports.AffiliateLedger},
	{ID: "BalanceReportFunction", Dir: "report-balance", Route: reports.Balance},
	{ID: "PayoutsReportFunction", Dir: "report-payouts", Route: reports.Payouts},
	{ID: "AdminOverviewFunction", Dir: "admin-overview", Route: admin.Overview},
	{ID: "AdminAffiliatesFunction", Dir: "admin-affiliates", Route: admin.Affiliates},
	{ID: "AdminAffiliateFunction", Dir: "admin-affiliate", Route: admin.Affiliate},
	{ID: "AdminAffiliateCreateFunction", Dir: "admin-affiliate-create", Route: admin.CreateAffiliate},
	{ID: "AdminAffiliateUpdateFunction", Dir: "admin-affiliate-update", Route: admin.UpdateAffiliate},
	{ID: "AdminAffiliateEditFunction", Dir: "admin-affiliate-edit", Route: admin.UpdateAffiliate},
	{ID: "AdminAffiliateRemoveFunction", Dir: "admin-affiliate-remove", Route: admin.RemoveAffiliate},
	{ID: "AdminAffiliateRemoveFormFunction", Dir: "admin-affiliate-remove-form", Route: admin.RemoveAffiliate},
	{ID: "AdminAffiliateImportFunction", Dir: "admin-affiliate-import", Route: admin.ImportAffiliates},
	{ID: "AdminAffiliateImportStatusFunction", Dir: "admin-affiliate-import-status", Route: admin.ImportStatus},
	{ID: "AffiliateImportWorkerFunction", Dir: "affiliate-import-worker", Queue: imports.Function},
	{ID: "PayoutBuildWorkerFunction", Dir: "payout-build-worker", Queue: payouts.Function},
	{ID: "AdminApplicantsFunction", Dir: "admin-applicants", Route: applicants.Applicants},
	{ID: "AdminApplicantApproveFunction", Dir: "admin-applicant-approve", Route: applicants.Approve},
	{ID: "AdminApplicantDeclineFunction", Dir: "admin-applicant-decline", Route: applicants.Decline},
	{ID: "StripeWebhookFunction", Dir: "webhook-stripe", Route: stripehook.Webhook},
	{ID: "ShopifyWebhookFunction", Dir: "webhook-shopify", Route: shopifyhook.Webhook},
	{ID: "SnippetFunction", Dir: "snippet", Route: snippet.Handler},
	{ID: "ResourcesReportFunction", Dir: "report-resources", Route: reports.Resources},
	{ID: "NotifyStreamFunction", Dir: "notify-stream", Stream: notify.Stream},
	{ID: "WebhookSenderFunction", Dir: "notify-webhook-sender", Queue: notify.WebhookSender},
	{ID: "AdminWebhooksFailedFunction", Dir: "admin-webhooks-failed", Route: notify.FailedList},
	{ID: "AdminWebhooksResendFunction", Dir: "admin-webhooks-resend", Route: notify.FailedResend},
	{ID: "AdminCheckoutEventsFunction", Dir: "admin-checkout-events", Route: admin.CheckoutEvents},
	{ID: "AdminCheckoutEventRetryFunction", Dir: "admin-checkout-event-retry", Route: checkoutevents.Retry},
	{ID: "MailDigestFunction", Dir: "notify-mail-digest", Schedule: notify.DigestFunction},
	{ID: "MailSettingsFunction", Dir: "mail-settings", Route: notify.MailSettings},
	{ID: "MailSettingsPostFunction", Dir: "mail-settings-post", Route: notify.MailSettingsPost},
	{ID: "UnsubscribePageFunction", Dir: "unsubscribe-page", Route: notify.UnsubscribePage},
	{ID: "UnsubscribePostFunction", Dir: "unsubscribe-post", Route: notify.UnsubscribePost},
	{ID: "BoardStreamFunction", Dir: "board-stream", Stream: boards.Stream},
	{ID: "BoardSnapshotFunction", Dir: "board-snapshot", Schedule: boards.Snapshot},
	{ID: "LeaderboardReportFunction", Dir: "report-leaderboard", Route: reports.Leaderboard},
	{ID: "LeaderboardPostFunction", Dir: "report-leaderboard-post", Route: reports.LeaderboardPost},
	{ID: "AdminLeaderboardFunction", Dir: "admin-leaderboard", Route: admin.Leaderboard},
	{ID: "ContestsReportFunction", Dir: "report-contests", Route: reports.Contests},
	{ID: "AdminContestFunction", Dir: "admin-contest", Route: admin.Contest},
	{ID: "AdminContestAwardFunction", Dir: "admin-contest-award", Route: admin.AwardContest},
}

// Find is the function of a logical ID.
func Find(id string) (Function, bool) {
	for _, f := range All {
		if f.ID == id {
			return f, true
		}
	}
	return Function{}, false
}

// Trigger says what invokes f: which of its constructors is set ("" for
// none, or more than one).
func (f Function) Trigger() Trigger {
	var t Trigger
	for _, c := range []struct {
		set bool
		t   Trigger
	}{{f.Route != nil, Route}, {f.Authorizer != nil, Authorizer}, {f.Stream != nil, Stream}, {f.Queue != nil, Queue}, {f.Schedule != nil, Schedule}} {
		if c.set {
			if t != "" {
				return ""
			}
			t = c.t
		}
	}
	return t
}

// Constructor is the package path and name of the constructor main.go
// starts: ("github.com/tallyhq/tally/shared/handlers/public/clicks", "Long").
func (f Function) Constructor() (pkg, name string) {
	var fn any
	switch f.Trigger() {
	case Route:
		fn = f.Route
	case Authorizer:
		fn = f.Authorizer
	case Stream:
		fn = f.Stream
	case Queue:
		fn = f.Queue
	case Schedule:
		fn = f.Schedule
	default:
		return "", ""
	}
	full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	slash := strings.LastIndex(full, "/")
	dot := slash + strings.Index(full[slash:], ".")
	return full[:dot], full[dot+1:]
}
