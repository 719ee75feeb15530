package sam

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The rules of SPEC 14 that make template.yaml work on AWS as written. Each
// is a function over the template as written, run on the repository's
// template (no problem allowed) and, where today's template cannot show it
// failing, on a copy broken on purpose. The offline deploy check
// (docs/deploy.md) finds the same problems on the expanded template; CI
// cannot run it, so these hold them.

func loadRawForTest(t *testing.T) Raw {
	t.Helper()
	r, err := LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func expectNone(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

// At most two functions read a table's stream: each reads every shard,
// and AWS's Lambda guide ("Using AWS Lambda with Amazon DynamoDB",
// concurrent readers of a shard) says to design a single-Region table
// for no more than two readers per shard, more being throttled
// (docs/decisions.md). A function with its own event source mapping
// (AWS::Lambda::EventSourceMapping) counts too.
func TestAtMostTwoStreamReaders(t *testing.T) {
	r := loadRawForTest(t)
	expectNone(t, streamReaders(r))

	// A third reader is caught, whichever way it is wired.
	for _, how := range []string{"sam event", "mapping"} {
		broken := copyRaw(t, r)
		res := broken["Resources"].(map[string]any)
		switch how {
		case "sam event":
			res["ThirdStreamFunction"] = map[string]any(copyRaw(t, Raw(res["BoardStreamFunction"].(map[string]any))))
		case "mapping":
			res["ThirdStreamMapping"] = map[string]any{"Type": "AWS::Lambda::EventSourceMapping", "Properties": map[string]any{
				"EventSourceArn": map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}},
				"FunctionName":   map[string]any{"Ref": "WebhookSenderFunction"}}}
		}
		if got := strings.Join(streamReaders(broken), "\n"); !strings.Contains(got, "functions read the stream of Table") {
			t.Errorf("a third reader by %s is not caught: %q", how, got)
		}
	}
}

func streamReaders(r Raw) []string {
	readers := map[string]map[string]bool{} // table: functions
	add := func(table, fn string) {
		if readers[table] == nil {
			readers[table] = map[string]bool{}
		}
		readers[table][fn] = true
	}
	for _, fn := range r.OfType("AWS::Serverless::Function") {
		for _, ev := range sortedKeys(r.Props(fn)["Events"]) {
			if Path(ev, "Type") == "DynamoDB" {
				add(Target(Path(ev, "Properties", "Stream")), fn)
			}
		}
	}
	for _, m := range r.OfType("AWS::Lambda::EventSourceMapping") {
		p := r.Props(m)
		if src := Target(p["EventSourceArn"]); r.Resources()[src]["Type"] == "AWS::DynamoDB::Table" {
			add(src, Target(p["FunctionName"]))
		}
	}
	var problems []string
	for table, fns := range readers {
		if len(fns) > 2 {
			names := slices.Sorted(maps.Keys(fns))
			problems = append(problems, fmt.Sprintf("%d functions read the stream of %s (%s); at most two: a third reader is throttled", len(fns), table, strings.Join(names, ", ")))
		}
	}
	sort.Strings(problems)
	return problems
}

// An HTTP API's Lambda authorizer is called by API Gateway, which needs a
// permission to invoke it: without one every authorized route answers 500.
func TestAuthorizersInvokable(t *testing.T) {
	expectNone(t, authorizersInvokable(loadRawForTest(t)))
}

func authorizersInvokable(r Raw) []string {
	var problems []string
	for _, api := range r.OfType("AWS::Serverless::HttpApi") {
		auths, _ := Path(r.Props(api), "Auth", "Authorizers").(map[string]any)
		for name, a := range auths {
			fn := Target(Path(a, "FunctionArn"))
			if fn == "" {
				continue // a JWT authorizer: nothing to invoke
			}
			if r.Resources()[fn]["Type"] != "AWS::Serverless::Function" {
				problems = append(problems, fmt.Sprintf("%s authorizer %s: function %q is not in the template", api, name, fn))
				continue
			}
			if Path(a, "EnableFunctionDefaultPermissions") == true || permitted(r, fn, "apigateway.amazonaws.com") {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s authorizer %s: API Gateway may not invoke %s (EnableFunctionDefaultPermissions or an AWS::Lambda::Permission)", api, name, fn))
		}
	}
	return problems
}

// permitted says whether an AWS::Lambda::Permission lets principal invoke fn.
func permitted(r Raw, fn, principal string) bool {
	for _, id := range r.OfType("AWS::Lambda::Permission") {
		p := r.Props(id)
		if Target(p["FunctionName"]) == fn && p["Action"] == "lambda:InvokeFunction" && p["Principal"] == principal {
			return true
		}
	}
	return false
}

// Every event source and schedule names resources that exist, and its
// function may do what the wiring needs (send failures to the queue, be
// invoked by the schedule's role).
func TestEventSourcesAndSchedulesWired(t *testing.T) {
	r := loadRawForTest(t)
	expectNone(t, wiring(r))

	// Today's template is wired; the rule must still catch what it is for.
	broken := copyRaw(t, r)
	for _, id := range broken.OfType("AWS::Scheduler::Schedule") {
		broken.Props(id)["Target"].(map[string]any)["Arn"] = map[string]any{"Fn::GetAtt": []any{"NoSuchFunction", "Arn"}}
	}
	for _, id := range broken.OfType("AWS::Serverless::Function") {
		events, _ := broken.Props(id)["Events"].(map[string]any)
		for _, ev := range events {
			if q, ok := Path(ev, "Properties").(map[string]any); ok && q["Queue"] != nil {
				q["Queue"] = map[string]any{"Fn::GetAtt": []any{"NoSuchQueue", "Arn"}}
			}
			if d, ok := Path(ev, "Properties", "DestinationConfig", "OnFailure").(map[string]any); ok {
				d["Destination"] = map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}
			}
		}
	}
	got := strings.Join(wiring(broken), "\n")
	for _, want := range []string{"NoSuchFunction", "NoSuchQueue", "on-failure destination Table"} {
		if !strings.Contains(got, want) {
			t.Errorf("a broken template's wiring problems do not name %s:\n%s", want, got)
		}
	}
}

func wiring(r Raw) []string {
	var problems []string
	res := r.Resources()
	isType := func(id, typ string) bool { return id != "" && res[id]["Type"] == typ }
	for _, fn := range r.OfType("AWS::Serverless::Function") {
		events, _ := r.Props(fn)["Events"].(map[string]any)
		for name, ev := range sortedKeys(events) {
			p, _ := Path(ev, "Properties").(map[string]any)
			switch Path(ev, "Type") {
			case "DynamoDB":
				if tb := Target(p["Stream"]); !isType(tb, "AWS::DynamoDB::Table") || Path(r.Props(tb), "StreamSpecification") == nil {
					problems = append(problems, fmt.Sprintf("%s event %s: stream of %q, not a table with a stream", fn, name, tb))
				}
			case "SQS":
				if q := Target(p["Queue"]); !isType(q, "AWS::SQS::Queue") {
					problems = append(problems, fmt.Sprintf("%s event %s: queue %q is not in the template", fn, name, q))
				}
			case "Kinesis", "MSK", "MQ", "SelfManagedKafka", "DocumentDB":
				problems = append(problems, fmt.Sprintf("%s event %s: type %v is not checked by this rule", fn, name, Path(ev, "Type")))
			}
			if dest := Path(p, "DestinationConfig", "OnFailure", "Destination"); dest != nil {
				q := Target(dest)
				if !isType(q, "AWS::SQS::Queue") {
					problems = append(problems, fmt.Sprintf("%s event %s: on-failure destination %s is not a queue of the template", fn, name, q))
				} else if !allows(r, r.FunctionStatements(fn), "sqs:SendMessage", q) {
					// The mapping sends failures with the function's own role.
					problems = append(problems, fmt.Sprintf("%s event %s: the function may not sqs:SendMessage to its on-failure queue %s", fn, name, q))
				}
			}
		}
	}
	for _, id := range r.OfType("AWS::Lambda::EventSourceMapping") {
		if fn := Target(r.Props(id)["FunctionName"]); !isType(fn, "AWS::Serverless::Function") && !isType(fn, "AWS::Lambda::Function") {
			problems = append(problems, fmt.Sprintf("%s: function %q is not in the template", id, fn))
		}
	}
	for _, id := range r.OfType("AWS::Scheduler::Schedule") {
		tg := Path(r.Props(id), "Target")
		fn, role := Target(Path(tg, "Arn")), Target(Path(tg, "RoleArn"))
		if !isType(fn, "AWS::Serverless::Function") {
			problems = append(problems, fmt.Sprintf("%s: target %q is not a function of the template", id, fn))
			continue
		}
		if !isType(role, "AWS::IAM::Role") {
			problems = append(problems, fmt.Sprintf("%s: role %q is not in the template", id, role))
			continue
		}
		if !trusts(r, role, "scheduler.amazonaws.com") {
			problems = append(problems, fmt.Sprintf("%s: role %s does not trust scheduler.amazonaws.com", id, role))
		}
		if !allows(r, r.RoleStatements(role), "lambda:InvokeFunction", fn) {
			problems = append(problems, fmt.Sprintf("%s: role %s may not invoke its target %s", id, role, fn))
		}
	}
	for _, id := range r.OfType("AWS::Events::Rule") {
		for _, tg := range List(r.Props(id)["Targets"]) {
			fn := Target(Path(tg, "Arn"))
			if !isType(fn, "AWS::Serverless::Function") || !permitted(r, fn, "events.amazonaws.com") {
				problems = append(problems, fmt.Sprintf("%s: target %q is not a function EventBridge may invoke", id, fn))
			}
		}
	}
	return problems
}

// No statement grants Resource "*" where a narrower resource exists, and
// mail may only be sent from the program's own sender.
func TestNoStarResource(t *testing.T) {
	expectNone(t, starResources(loadRawForTest(t)))
}

// starOnly are actions IAM offers on no narrower resource.
var starOnly = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}

func starResources(r Raw) []string {
	var problems []string
	check := func(who string, ss []Statement) {
		for _, s := range ss {
			if slices.Contains(s.Resources, "*") && !allIn(s.Actions, starOnly) {
				problems = append(problems, fmt.Sprintf("%s: %s on Resource \"*\"", who, strings.Join(s.Actions, ",")))
			}
			if slices.Contains(s.Actions, "ses:SendEmail") || slices.Contains(s.Actions, "ses:SendRawEmail") {
				if Target(Path(s.Condition, "StringEquals", "ses:FromAddress")) != "MailFrom" {
					problems = append(problems, fmt.Sprintf("%s: may send mail from any address (want condition ses:FromAddress = MailFrom)", who))
				}
			}
		}
	}
	for _, fn := range r.OfType("AWS::Serverless::Function") {
		check(fn, r.FunctionStatements(fn))
	}
	for _, role := range r.OfType("AWS::IAM::Role") {
		check(role, r.RoleStatements(role))
	}
	return problems
}

// Each function writes only the partitions (key prefixes) it writes: a
// function that reads the program must not be able to overwrite it. Every
// function of the template must be listed here, so a new one is checked
// too; the integration tests that run each binary under the Lambda runtime
// emulator check the other way, that what it writes is allowed.
var writes = map[string][]string{
	"AdminAffiliateCreateFunction":       {"SHORT#*", "PROGRAM", "COUPON#*", "RECRUITS#*", "EMAIL#*"},
	"AdminAffiliateUpdateFunction":       {"SHORT#*", "PROGRAM", "COUPON#*", "RECRUITS#*", "EMAIL#*"},
	"AdminAffiliateEditFunction":         {"SHORT#*", "PROGRAM", "COUPON#*", "RECRUITS#*", "EMAIL#*"},
	"AdminAffiliateRemoveFunction":       {"PROGRAM", "COUPON#*", "RECRUITS#*", "EMAIL#*"},
	"AdminAffiliateRemoveFormFunction":   {"PROGRAM", "COUPON#*", "RECRUITS#*", "EMAIL#*"},
	"AdminAffiliateImportFunction":       {"SHORT#*", "PROGRAM", "COUPON#*", "IMPORT#*", "RECRUITS#*", "EMAIL#*"},
	"AdminAffiliateImportStatusFunction": {},
	"AffiliateImportWorkerFunction":      {"SHORT#*", "PROGRAM", "COUPON#*", "IMPORT#*", "RECRUITS#*", "EMAIL#*"},
	"AuthorizerFunction":                 {},
	"ClickLongFunction":                  {"STATS#*"},
	"ClickShortFunction":                 {"STATS#*"},
	"OptInWebhookFunction":               {"TXN#*", "OPTIN#*", "CONTACT#*", "AFF#*", "STATS#*"},
	"OrderWebhookFunction":               {"TXN#*", "OPTIN#*", "CONTACT#*", "AFF#*", "STATS#*", "UNCLAWED#*", "PAYEES"},
	"StripeWebhookFunction":              {"TXN#*", "CONTACT#*", "AFF#*", "STATS#*", "UNCLAWED#*", "SUB#*", "CHECKOUTEVENTS", "CHECKOUTBODY#*", "PAYEES"},
	"ShopifyWebhookFunction":             {"TXN#*", "CONTACT#*", "AFF#*", "STATS#*", "UNCLAWED#*", "CHECKOUTEVENTS", "CHECKOUTBODY#*", "PAYEES"},
	"AdminCheckoutEventsFunction":        {},
	"AdminCheckoutEventRetryFunction":    {"TXN#*", "CONTACT#*", "AFF#*", "STATS#*", "UNCLAWED#*", "SUB#*", "CHECKOUTEVENTS", "CHECKOUTBODY#*", "PAYEES"},
	"LedgerReportFunction":               {},
	"LinkStatsReportFunction":            {},
	"ProductsSoldReportFunction":         {},
	"CommissionStructureReportFunction":  {},
	"LinksReportFunction":                {},
	"ResourcesReportFunction":            {},
	"RecruitsReportFunction":             {},
	"BalanceReportFunction":              {},
	"PayoutsReportFunction":              {},
	"LoginPageFunction":                  {},
	"LoginSubmitFunction":                {"MAILRATE#*", "LOGIN#*"},
	"LoginLinkPageFunction":              {},
	"LoginLinkSubmitFunction":            {"LOGIN#*", "SESSION#*"},
	"LoginCodeFunction":                  {"LOGIN#*", "SESSION#*"},
	"LogoutFunction":                     {"SESSION#*"},
	"JoinPageFunction":                   {},
	"JoinEventPageFunction":              {},
	"JoinSubmitFunction":                 {"JOINRATE#*", "SIGNUP#*"},
	"JoinConfirmPageFunction":            {},
	"JoinConfirmFunction":                {"SIGNUP#*", "JOINER#*", "APPLICANTS", "PROGRAM", "SHORT#*", "LOGIN#*", "RECRUITS#*", "EMAIL#*"},
	"AdminApplicantsFunction":            {},
	"AdminApplicantApproveFunction":      {"APPLICANTS", "JOINER#*", "PROGRAM", "SHORT#*", "LOGIN#*", "RECRUITS#*", "EMAIL#*"},
	"AdminApplicantDeclineFunction":      {"APPLICANTS", "JOINER#*"},
	"AssetsFunction":                     {},
	"AdminPayoutCreateFunction":          {"IDEM#*", "PAYOUTS", "PAYOUTBUILDS", "PAYOUT#*", "AFF#*"},
	"PayoutBuildWorkerFunction":          {"IDEM#*", "PAYOUTS", "PAYOUTBUILDS", "PAYOUT#*", "AFF#*"},
	"AdminPayoutListFunction":            {},
	"AdminPayoutGetFunction":             {},
	"AdminPayoutMarkPaidFunction":        {"PAYOUTS"},
	"AdminPayoutCancelFunction":          {"PAYOUTS", "AFF#*"},
	"AdminPayoutItemReturnedFunction":    {"PAYOUT#*", "AFF#*"},
	"AdminPayoutExportFunction":          {},
	"AdminAdjustmentFunction":            {"ADJ#*", "AFF#*", "PAYEES"},
	"AdminBalancesFunction":              {},
	"AdminAffiliateLedgerFunction":       {},
	"AdminOverviewFunction":              {},
	"AdminAffiliatesFunction":            {},
	"AdminAffiliateFunction":             {},
	"SnippetFunction":                    {},
	"NotifyStreamFunction":               {"DIGEST#*", "NOTIFIED#*"},
	"WebhookSenderFunction":              {},
	"AdminWebhooksFailedFunction":        {},
	"AdminWebhooksResendFunction":        {},
	"MailDigestFunction":                 {"DIGEST#*"},
	"UnsubscribePageFunction":            {},
	"UnsubscribePostFunction":            {"NOTIFY#*"},
	"MailSettingsFunction":               {},
	"MailSettingsPostFunction":           {"NOTIFY#*"},
	"BoardStreamFunction":                {"BOARDMARK#*", "BOARD#*", "SUMSEQ#*", "SUMMARY#*", "TOTALS#*"},
	"BoardSnapshotFunction":              {"BOARDSNAP#*", "BOARDALIAS#*", "SUMMARY#*", "SUMMONTH#*"},
	"LeaderboardReportFunction":          {},
	"LeaderboardPostFunction":            {"BOARDALIAS#*", "BOARD#*"},
	"AdminLeaderboardFunction":           {},
	"ContestsReportFunction":             {},
	"AdminContestFunction":               {},
	"AdminContestAwardFunction":          {"ADJ#*", "AFF#*", "PAYEES"},
}

func TestFunctionsWriteOnlyTheirKeys(t *testing.T) {
	expectNone(t, keyPrefixes(loadRawForTest(t), writes))
}

func keyPrefixes(r Raw, declared map[string][]string) []string {
	var problems []string
	for _, fn := range r.OfType("AWS::Serverless::Function") {
		want, ok := declared[fn]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: not in infra/sam's list of what each function writes; add the key prefixes it writes", fn))
			continue
		}
		for _, p := range List(r.Props(fn)["Policies"]) {
			if s, ok := p.(string); ok && strings.Contains(s, "DynamoDB") {
				problems = append(problems, fmt.Sprintf("%s: managed policy %s reaches the whole table", fn, s))
			}
			if m, ok := p.(map[string]any); ok {
				for k := range m {
					if strings.HasPrefix(k, "DynamoDB") {
						problems = append(problems, fmt.Sprintf("%s: policy template %s reaches the whole table", fn, k))
					}
				}
			}
		}
		got := map[string]bool{}
		for _, s := range r.FunctionStatements(fn) {
			if s.Effect != "Allow" || !anyIn(s.Actions, TableWrites) {
				continue
			}
			keys := s.LeadingKeys()
			if keys == nil {
				problems = append(problems, fmt.Sprintf("%s: %s with no dynamodb:LeadingKeys condition: every item", fn, strings.Join(s.Actions, ",")))
				continue
			}
			for _, k := range keys {
				got[k] = true
			}
		}
		var extra, missing []string
		for k := range got {
			if !slices.Contains(want, k) {
				extra = append(extra, k)
			}
		}
		for _, k := range want {
			if !got[k] {
				missing = append(missing, k)
			}
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			problems = append(problems, fmt.Sprintf("%s may write %v, which it only reads or never touches", fn, extra))
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("%s may not write %v, which it writes", fn, missing))
		}
	}
	return problems
}

// A role that EventBridge Scheduler assumes names the account its schedules
// come from, so no other account's schedule can use it (confused deputy).
func TestSchedulerTrustNamesSourceAccount(t *testing.T) {
	expectNone(t, schedulerTrust(loadRawForTest(t)))
}

func schedulerTrust(r Raw) []string {
	var problems []string
	for _, role := range r.OfType("AWS::IAM::Role") {
		for _, s := range List(Path(r.Props(role), "AssumeRolePolicyDocument", "Statement")) {
			svc := List(Path(s, "Principal", "Service"))
			if !slices.Contains(svc, any("scheduler.amazonaws.com")) {
				continue
			}
			if Target(Path(s, "Condition", "StringEquals", "aws:SourceAccount")) != "AWS::AccountId" {
				problems = append(problems, fmt.Sprintf("%s: trusts scheduler.amazonaws.com without condition aws:SourceAccount = AWS::AccountId", role))
			}
		}
	}
	return problems
}

// A queue that holds failed work (a dead-letter queue, an on-failure
// destination) outlives a stack deletion and a replacement: what is in it
// is what the owner still has to look at.
func TestFailedWorkQueuesRetained(t *testing.T) {
	r := loadRawForTest(t)
	if len(failedWorkQueues(r)) == 0 {
		t.Fatal("no queue of failed work found: the rule checks nothing")
	}
	expectNone(t, retention(r))
}

func failedWorkQueues(r Raw) []string {
	set := map[string]bool{}
	for _, q := range r.OfType("AWS::SQS::Queue") {
		if dl := Target(Path(r.Props(q), "RedrivePolicy", "deadLetterTargetArn")); dl != "" {
			set[dl] = true
		}
	}
	for _, fn := range r.OfType("AWS::Serverless::Function") {
		p := r.Props(fn)
		for _, ev := range sortedKeys(p["Events"]) {
			if d := Target(Path(ev, "Properties", "DestinationConfig", "OnFailure", "Destination")); d != "" {
				set[d] = true
			}
		}
		if d := Target(Path(p, "DeadLetterQueue", "TargetArn")); d != "" {
			set[d] = true
		}
		if d := Target(Path(p, "EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination")); d != "" {
			set[d] = true
		}
	}
	for _, id := range r.OfType("AWS::Lambda::EventSourceMapping") {
		if d := Target(Path(r.Props(id), "DestinationConfig", "OnFailure", "Destination")); d != "" {
			set[d] = true
		}
	}
	for _, id := range r.OfType("AWS::Scheduler::Schedule") {
		if d := Target(Path(r.Props(id), "Target", "DeadLetterConfig", "Arn")); d != "" {
			set[d] = true
		}
	}
	var out []string
	for q := range set {
		out = append(out, q)
	}
	sort.Strings(out)
	return out
}

func retention(r Raw) []string {
	var problems []string
	for _, q := range failedWorkQueues(r) {
		res := r.Resources()[q]
		for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if res[policy] != "Retain" {
				problems = append(problems, fmt.Sprintf("%s holds failed work: %s %v, want Retain", q, policy, res[policy]))
			}
		}
	}
	return problems
}

// Throttling (SPEC 14): route limits from parameters, and the sign-in
// function's reserved concurrency.
type throttle struct {
	Class        string
	Burst, Rate  string // parameter names
	DefaultBurst int
	DefaultRate  int
}

var throttles = []throttle{
	{"sign-in", "SignInThrottleBurst", "SignInThrottleRate", 20, 10},
	{"webhook", "WebhookThrottleBurst", "WebhookThrottleRate", 200, 100},
	{"click", "ClickThrottleBurst", "ClickThrottleRate", 5000, 2000},
}

// throttleClass is the class of a route, "" for a route left at the
// account's limits.
func throttleClass(method, path string) string {
	switch {
	case method == "POST" && (path == "/login" || path == "/login/code" || path == "/login/link" || path == "/join" || path == "/join/confirm"):
		return "sign-in"
	case strings.HasPrefix(path, "/webhooks/"):
		return "webhook"
	case strings.HasPrefix(path, "/go/") || strings.HasPrefix(path, "/s/"):
		return "click"
	}
	return ""
}

func TestThrottling(t *testing.T) {
	r := loadRawForTest(t)
	expectNone(t, throttling(r))
	// Every class has a route today: a route moved out of its class (a
	// renamed path) is noticed.
	seen := map[string]bool{}
	for _, rt := range rawRoutes(r) {
		seen[throttleClass(rt.method, rt.path)] = true
	}
	for _, th := range throttles {
		if !seen[th.Class] {
			t.Errorf("no %s route in the template", th.Class)
		}
	}
}

func throttling(r Raw) []string {
	var problems []string
	params, _ := r["Parameters"].(map[string]any)
	number := func(name string, def int) {
		p, ok := params[name].(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("parameter %s is missing", name))
			return
		}
		if p["Type"] != "Number" || fmt.Sprint(p["Default"]) != fmt.Sprint(def) {
			problems = append(problems, fmt.Sprintf("parameter %s: Type %v Default %v, want Number %d", name, p["Type"], p["Default"], def))
		}
	}
	byClass := map[string]throttle{}
	for _, th := range throttles {
		number(th.Burst, th.DefaultBurst)
		number(th.Rate, th.DefaultRate)
		byClass[th.Class] = th
	}
	for _, rt := range rawRoutes(r) {
		class := throttleClass(rt.method, rt.path)
		if class == "" {
			continue
		}
		th := byClass[class]
		key := rt.method + " " + rt.path
		set := rt.settings
		if set == nil {
			set, _ = Path(r.Props(rt.api), "RouteSettings", key).(map[string]any)
		}
		if Target(set["ThrottlingBurstLimit"]) != th.Burst || Target(set["ThrottlingRateLimit"]) != th.Rate {
			problems = append(problems, fmt.Sprintf("route %s (%s, %s): throttling %v, want burst !Ref %s and rate !Ref %s", key, class, rt.function, set, th.Burst, th.Rate))
		}
	}

	number("SignInConcurrency", 20)
	cond := ""
	for name, c := range asMap(r["Conditions"]) {
		eq := Path(c, "Fn::Not")
		if l := List(eq); len(l) == 1 {
			if args := List(Path(l[0], "Fn::Equals")); len(args) == 2 && Target(args[0]) == "SignInConcurrency" && fmt.Sprint(args[1]) == "0" {
				cond = name
			}
		}
	}
	if cond == "" {
		problems = append(problems, "no condition !Not [!Equals [!Ref SignInConcurrency, 0]]")
	}
	want := map[string]any{"Fn::If": []any{cond, map[string]any{"Ref": "SignInConcurrency"}, map[string]any{"Ref": "AWS::NoValue"}}}
	for _, rt := range rawRoutes(r) {
		if rt.method != "POST" || rt.path != "/login" {
			continue
		}
		if got := r.Props(rt.function)["ReservedConcurrentExecutions"]; !reflect.DeepEqual(got, want) {
			problems = append(problems, fmt.Sprintf("%s (POST /login): ReservedConcurrentExecutions %v, want !If [%s, !Ref SignInConcurrency, !Ref AWS::NoValue]", rt.function, got, cond))
		}
	}
	return problems
}

type rawRoute struct {
	method, path, function, api string
	settings                    map[string]any // the event's own RouteSettings
}

func rawRoutes(r Raw) []rawRoute {
	var out []rawRoute
	for _, fn := range r.OfType("AWS::Serverless::Function") {
		for _, ev := range sortedKeys(r.Props(fn)["Events"]) {
			if Path(ev, "Type") != "HttpApi" {
				continue
			}
			p := asMap(Path(ev, "Properties"))
			m, _ := p["Method"].(string)
			path, _ := p["Path"].(string)
			set, _ := p["RouteSettings"].(map[string]any)
			out = append(out, rawRoute{strings.ToUpper(m), path, fn, Target(p["ApiId"]), set})
		}
	}
	return out
}

// allows says whether some Allow statement grants action on resource id.
func allows(r Raw, ss []Statement, action, id string) bool {
	for _, s := range ss {
		if s.Effect == "Allow" && slices.Contains(s.Actions, action) && (slices.Contains(s.Resources, id) || slices.Contains(s.Resources, "*")) {
			return true
		}
	}
	return false
}

func trusts(r Raw, role, service string) bool {
	for _, s := range List(Path(r.Props(role), "AssumeRolePolicyDocument", "Statement")) {
		if slices.Contains(List(Path(s, "Principal", "Service")), any(service)) {
			return true
		}
	}
	return false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// sortedKeys iterates a map's values by sorted key, so problems come out in
// a stable order.
func sortedKeys(v any) func(yield func(string, any) bool) {
	m := asMap(v)
	return func(yield func(string, any) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}

func allIn(xs, set []string) bool {
	for _, x := range xs {
		if !slices.Contains(set, x) {
			return false
		}
	}
	return len(xs) > 0
}

func anyIn(xs, set []string) bool {
	for _, x := range xs {
		if slices.Contains(set, x) {
			return true
		}
	}
	return false
}

// copyRaw is a deep copy, to break on purpose.
func copyRaw(t *testing.T, r Raw) Raw {
	t.Helper()
	var cp func(v any) any
	cp = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			m := make(map[string]any, len(x))
			for k, e := range x {
				m[k] = cp(e)
			}
			return m
		case []any:
			l := make([]any, len(x))
			for i, e := range x {
				l[i] = cp(e)
			}
			return l
		default:
			return v
		}
	}
	return Raw(cp(map[string]any(r)).(map[string]any))
}
