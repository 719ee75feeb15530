# Tally. `make test` runs every test (it installs and starts DynamoDB Local);
# `make run` serves every route locally; `sam build` uses the build-* targets.
.PHONY: test run build vet bench mutation

test:
	./infra/scripts/test.sh

run:
	go run ./infra/local

# What each operation costs (DynamoDB Local), click speed, load and cold
# starts; exits non-zero when an operation is over its budget.
bench:
	./infra/scripts/bench.sh

vet:
	go vet ./...

# Mutation testing of the money rules (gremlins, every mutator); fails when
# a mutant survives that docs/testing.md does not list as equivalent.
mutation:
	./infra/scripts/mutation.sh

# sam build (BuildMethod: makefile) runs `make build-<LogicalId>` with
# ARTIFACTS_DIR set; each function is a static linux/arm64 binary named
# bootstrap, built without the RPC shim and without symbols. Tests that run
# the binaries under the Lambda runtime emulator build the same targets with
# LAMBDA_GOARCH set to this machine's architecture.
LAMBDA_GOARCH ?= arm64
lambda = GOOS=linux GOARCH=$(LAMBDA_GOARCH) CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(1)

build-AuthorizerFunction: ; $(call lambda,authorizer)
build-ClickLongFunction: ; $(call lambda,click-long)
build-ClickShortFunction: ; $(call lambda,click-short)
build-OptInWebhookFunction: ; $(call lambda,webhook-optins)
build-OrderWebhookFunction: ; $(call lambda,webhook-orders)
build-LedgerReportFunction: ; $(call lambda,report-ledger)
build-LinkStatsReportFunction: ; $(call lambda,report-link-stats)
build-ProductsSoldReportFunction: ; $(call lambda,report-products-sold)
build-CommissionStructureReportFunction: ; $(call lambda,report-commission-structure)
build-LinksReportFunction: ; $(call lambda,report-links)
build-LoginPageFunction: ; $(call lambda,login-page)
build-LoginSubmitFunction: ; $(call lambda,login-submit)
build-LoginLinkPageFunction: ; $(call lambda,login-link-page)
build-LoginLinkSubmitFunction: ; $(call lambda,login-link-submit)
build-LoginCodeFunction: ; $(call lambda,login-code)
build-LogoutFunction: ; $(call lambda,logout)
build-AssetsFunction: ; $(call lambda,assets)
build-AdminPayoutCreateFunction: ; $(call lambda,admin-payout-create)
build-AdminPayoutListFunction: ; $(call lambda,admin-payout-list)
build-AdminPayoutGetFunction: ; $(call lambda,admin-payout-get)
build-AdminPayoutMarkPaidFunction: ; $(call lambda,admin-payout-mark-paid)
build-AdminPayoutCancelFunction: ; $(call lambda,admin-payout-cancel)
build-AdminPayoutItemReturnedFunction: ; $(call lambda,admin-payout-item-returned)
build-AdminPayoutExportFunction: ; $(call lambda,admin-payout-export)
build-AdminAdjustmentFunction: ; $(call lambda,admin-adjustment)
build-AdminBalancesFunction: ; $(call lambda,admin-balances)
build-AdminAffiliateLedgerFunction: ; $(call lambda,admin-affiliate-ledger)
build-BalanceReportFunction: ; $(call lambda,report-balance)
build-PayoutsReportFunction: ; $(call lambda,report-payouts)
build-AdminOverviewFunction: ; $(call lambda,admin-overview)
build-AdminAffiliatesFunction: ; $(call lambda,admin-affiliates)
build-AdminAffiliateFunction: ; $(call lambda,admin-affiliate)
build-StripeWebhookFunction: ; $(call lambda,webhook-stripe)
build-ShopifyWebhookFunction: ; $(call lambda,webhook-shopify)
build-SnippetFunction: ; $(call lambda,snippet)
build-ResourcesReportFunction: ; $(call lambda,report-resources)
build-WebhookStreamFunction: ; $(call lambda,notify-webhook-stream)
build-WebhookSenderFunction: ; $(call lambda,notify-webhook-sender)
build-AdminWebhooksFailedFunction: ; $(call lambda,admin-webhooks-failed)
build-AdminWebhooksResendFunction: ; $(call lambda,admin-webhooks-resend)
build-AdminCheckoutEventsFunction: ; $(call lambda,admin-checkout-events)
build-AdminCheckoutEventRetryFunction: ; $(call lambda,admin-checkout-event-retry)
build-MailStreamFunction: ; $(call lambda,notify-mail-stream)
build-MailDigestFunction: ; $(call lambda,notify-mail-digest)
build-MailSettingsFunction: ; $(call lambda,mail-settings)
build-MailSettingsPostFunction: ; $(call lambda,mail-settings-post)
build-UnsubscribePageFunction: ; $(call lambda,unsubscribe-page)
build-UnsubscribePostFunction: ; $(call lambda,unsubscribe-post)

# Every function for linux/$(LAMBDA_GOARCH) into .cache/build/<function>/bootstrap.
build:
	@for f in functions/*/; do n=$$(basename $$f); \
	  $(MAKE) -s ARTIFACTS_DIR=.cache/build/$$n _one FN=$$n || exit 1; done
	@ls -l .cache/build/*/bootstrap
_one: ; $(call lambda,$(FN))
