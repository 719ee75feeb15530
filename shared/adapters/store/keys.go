package store

// Every key of the single table is built here, one function per entity; the
// table in docs/table-design.md lists the same entities and access patterns.

import (
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/domain/program"
)

// Attribute names of the table's keys and indexes.
const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK" // ByOrder: clawbacks by the date of the order they reverse
	attrGSI1SK = "GSI1SK"
	attrGSI2PK = "GSI2PK" // Open: entries not yet paid, by when they become payable
	attrGSI2SK = "GSI2SK"
	attrTTL    = "ttl"

	indexByOrder = "ByOrder"
	indexOpen    = "Open"
)

// Key is a primary key.
type Key struct{ PK, SK string }

// instant is the sortable fixed-width form of a time in keys: lexical order
// is time order.
func instant(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// Program partition: the configuration every function caches in memory.
const (
	programPK         = "PROGRAM"
	affiliateSKPrefix = "AFFILIATE#"
	statsPrefix       = "STATS#"
)

func programMetaKey() Key                 { return Key{programPK, "META"} }
func eventKey(slug string) Key            { return Key{programPK, "EVENT#" + slug} }
func productKey(sku string) Key           { return Key{programPK, "PRODUCT#" + sku} }
func planKey(id string) Key               { return Key{programPK, "PLAN#" + id} }
func affiliateKey(code string) Key        { return Key{programPK, affiliateSKPrefix + code} }
func ownerKey(name string) Key            { return Key{programPK, "OWNER#" + name} }
func linkKey(event, affiliate string) Key { return Key{programPK, "LINK#" + event + "#" + affiliate} }

// couponKey is a coupon code's marker (SPEC 17), by the code upper-cased:
// one affiliate's, whatever its case.
func couponKey(upper string) Key { return Key{"COUPON#" + upper, "COUPON"} }

// recruitKey marks an affiliate as recruited by another (SPEC 16): the
// recruiter's "Invite affiliates" page lists its partition, never every
// affiliate.
func recruitKey(recruiter, code string) Key { return Key{"RECRUITS#" + recruiter, code} }

// emailKey lists an affiliate under its address (normalized): sign-in and
// signup find who an address belongs to without reading every affiliate.
func emailKey(email, code string) Key { return Key{"EMAIL#" + email, code} }

// shortCodeKey reserves a short code so no two links share one.
func shortCodeKey(code string) Key { return Key{"SHORT#" + code, "SHORT"} }

// apiKeyKey is an API key, by the SHA-256 (hex) of the key.
func apiKeyKey(hash string) Key { return Key{"KEY#" + hash, "KEY"} }

// StatKey is one shard of an affiliate's counters for one event and one day
// (program time zone). Counters are spread over shards so a viral link is not
// capped by one item's write rate; reports sum them.
func StatKey(affiliate, date, event string, shard int) Key {
	return Key{"STATS#" + affiliate, fmt.Sprintf("%s#%s#%d", date, event, shard)}
}

// subsPrefix starts the sort keys of channel tags in an affiliate's
// counters partition: "~" sorts after every date, so no Query of the totals
// (statRange, LatestHitBefore) ever reads a tag, and the functions that may
// write STATS#* may write tags.
const subsPrefix = "~SUB#"

// subsKey is an affiliate's channel tags of one event and day (SPEC 14):
// the tags counted (a string set of at most the program's max_tags_per_day)
// and each one's hits (attribute "h:<tag>", "h:other" past the limit).
func subsKey(affiliate, date, event string) Key {
	return Key{"STATS#" + affiliate, subsPrefix + date + "#" + event}
}

// subStatKey is one shard of the opt-ins, orders and revenue that came
// through a tagged click (webhooks write them beside the event's total).
func subStatKey(affiliate, date, event, sub string, shard int) Key {
	return Key{"STATS#" + affiliate, fmt.Sprintf("%s%s#%s#%d#%s", subsPrefix, date, event, shard, sub)}
}

// subsRange is the sort-key range of an affiliate's tags for the dates
// from..to inclusive.
func subsRange(affiliate, from, to string) (pk, lo, hi string) {
	return "STATS#" + affiliate, subsPrefix + from, subsPrefix + to + "#~"
}

// couponStatsPrefix starts the sort keys of an affiliate's coupon code
// counters: after every date like the tags, and apart from them.
const couponStatsPrefix = "~CPN#"

// couponStatKey is one shard of the orders and revenue one of the
// affiliate's coupon codes referred on a day (SPEC 17), the code
// upper-cased (CouponKey): written in the order's transaction, beside the
// event's total.
func couponStatKey(affiliate, date, code string, shard int) Key {
	return Key{"STATS#" + affiliate, fmt.Sprintf("%s%s#%s#%d", couponStatsPrefix, date, program.CouponKey(code), shard)}
}

// couponStatRange is the sort-key range of an affiliate's coupon counters
// for the dates from..to inclusive.
func couponStatRange(affiliate, from, to string) (pk, lo, hi string) {
	return "STATS#" + affiliate, couponStatsPrefix + from, couponStatsPrefix + to + "#~"
}

// statRange is the sort-key range of an affiliate's counters for the dates
// from..to inclusive ("~" sorts after every date, event and shard).
func statRange(affiliate, from, to string) (pk, lo, hi string) {
	return "STATS#" + affiliate, from, to + "#~"
}

// Prefixes of the keys a stream record is told apart by (stream.go).
const (
	affPrefix   = "AFF#"
	entryPrefix = "ENTRY#"
	txnPrefix   = "TXN#"
	optInPrefix = "OPTIN#"
)

// EntryKey is a ledger entry of an affiliate, ordered by when it happened.
func EntryKey(affiliate string, at time.Time, id string) Key {
	return Key{affPrefix + affiliate, entryPrefix + instant(at) + "#" + id}
}

// entryRange covers entries dated in [start, end).
func entryRange(affiliate string, start, end time.Time) (pk, lo, hi string) {
	return affPrefix + affiliate, entryPrefix + instant(start), entryPrefix + instant(end)
}

// clawbackByOrderKey is the ByOrder index key of a clawback: the affiliate and
// the date of the order it reverses, so products sold counts refunds against
// their orders whenever they happened.
func clawbackByOrderKey(affiliate string, orderAt time.Time, id string) Key {
	return Key{affPrefix + affiliate, "CLAWBACK#" + instant(orderAt) + "#" + id}
}

// clawbackByOrderRange covers clawbacks of orders dated in [start, end).
func clawbackByOrderRange(affiliate string, start, end time.Time) (pk, lo, hi string) {
	return affPrefix + affiliate, "CLAWBACK#" + instant(start), "CLAWBACK#" + instant(end)
}

// unclawedKey is a refund's record of a commission whose clawback rounds to
// 0, by the clawback's id (ledger.ClawbackID): its own partition, so no
// query of the ledger meets it.
func unclawedKey(id string) Key { return Key{"UNCLAWED#" + id, "UNCLAWED"} }

// openEntryKey is the Open index key of an entry not yet paid.
func openEntryKey(affiliate string, availableOn time.Time, id string) Key {
	return Key{"OPEN#" + affiliate, instant(availableOn) + "#" + id}
}

// TxnKey is an order or a refund, by the webhook body's id (orders and
// refunds share one namespace); before a checkout's order arrives, its
// record holds the refunds of it that came first (KindPending).
func TxnKey(id string) Key { return Key{txnPrefix + id, "TXN"} }

// subscriptionKey is a checkout's subscription (Stripe's sub_ id, with its
// checkout's prefix): who referred it, decided once at its first invoice.
func subscriptionKey(id string) Key { return Key{"SUB#" + id, "SUB"} }

// OptInKey is an opt-in, by the webhook body's id.
func OptInKey(id string) Key { return Key{optInPrefix + id, "OPTIN"} }

// contactKey is a person, by lower-cased, trimmed email.
func contactKey(email string) Key {
	return Key{"CONTACT#" + NormalizeEmail(email), "CONTACT"}
}

// NormalizeEmail is the form contacts are keyed by.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// loginKey is a pending email sign-in (link and code), short-lived.
func loginKey(id string) Key { return Key{"LOGIN#" + id, "LOGIN"} }

// mailRateKey counts sign-in mails to one address in one hour (UTC).
func mailRateKey(email, hour string) Key { return Key{"MAILRATE#" + NormalizeEmail(email), hour} }

// sessionKey is a portal session; deleting it signs the session out.
func sessionKey(id string) Key { return Key{"SESSION#" + id, "SESSION"} }

// idempotencyKey is a payout's Idempotency-Key, by its SHA-256 (hex), kept
// as long as the payout: DynamoDB's own ClientRequestToken lasts 10 minutes.
func idempotencyKey(key string) Key { return Key{"IDEM#" + HashKey(key), "IDEM"} }

// entryKeyOf is a ledger entry by its sort key (as a payout item lists it).
func entryKeyOf(affiliate, sk string) Key { return Key{affPrefix + affiliate, sk} }

// payoutsPK is the partition of all payouts: the owner's list is one Query,
// newest first (ids sort by creation time).
const payoutsPK = "PAYOUTS"

// PayoutKey is a payout.
func PayoutKey(id string) Key { return Key{payoutsPK, id} }

// payoutBuildsPK is the partition of the payouts still being built (SPEC
// 15): few at a time, so the owner's list reads them in one Query too.
const payoutBuildsPK = "PAYOUTBUILDS"

// payeesPK holds the payee markers: an affiliate with a ledger, by code
// (payees.go).
const payeesPK = "PAYEES"

func payeeKey(code string) Key { return Key{payeesPK, code} }

// payeesKnownKey says the markers are complete; its sort key sorts before
// every code, and a Query of the markers starts after it (payeesFirst).
func payeesKnownKey() Key { return Key{payeesPK, "#known"} }

// payoutBuildKey is a payout's build, by the payout's id, until its record
// is written.
func payoutBuildKey(id string) Key { return Key{payoutBuildsPK, id} }

// payoutItemKey is one affiliate's item of a payout.
func payoutItemKey(payoutID, affiliate string) Key {
	return Key{"PAYOUT#" + payoutID, "ITEM#" + affiliate}
}

// payoutItemRange covers a payout's items.
func payoutItemRange(payoutID string) (pk, lo, hi string) {
	return "PAYOUT#" + payoutID, "ITEM#", "ITEM#~"
}

// affiliatePayoutItemKey is the ByOrder index key of a payout item, so an
// affiliate's payouts are one Query on the index.
func affiliatePayoutItemKey(affiliate, payoutID string) Key {
	return Key{affPrefix + affiliate, payoutItemPrefix + payoutID}
}

const payoutItemPrefix = "PAYITEM#"

// adjustmentKey is an adjustment's record, by the id the owner gave it.
func adjustmentKey(id string) Key { return Key{"ADJ#" + id, "ADJ"} }

// openRange covers an affiliate's entries payable at or before t.
func openRange(affiliate string, t time.Time) (pk, lo, hi string) {
	return "OPEN#" + affiliate, "0", instant(t) + "#~"
}

// notifyKey is an affiliate's own mail setting (an unsubscribe), which
// overrides the program file's notify.
func notifyKey(affiliate string) Key { return Key{"NOTIFY#" + affiliate, "NOTIFY"} }

// digestKey is an entry waiting for a daily digest: under the day (program
// zone) it was recorded, by affiliate. digestSentKey marks the day's digest
// sent to one affiliate, so a retried run sends it once.
func digestKey(day, affiliate, entrySK string) Key {
	return Key{"DIGEST#" + day, "ENTRY#" + affiliate + "#" + entrySK}
}
func digestSentKey(day, affiliate string) Key { return Key{"DIGEST#" + day, "SENT#" + affiliate} }

// notifiedKey marks one delivery of an event as gone out: a mail
// ("MAIL#<affiliate>") or a queued webhook ("HOOK#<endpoint's hash>"), under
// the event's id, so a stream record delivered again (a retried batch, the
// other consumer of the same function failing) sends nothing twice.
func notifiedKey(event, delivery string) Key { return Key{"NOTIFIED#" + event, delivery} }

// checkoutEventsPK is the partition of the checkout deliveries Tally could
// not apply (SPEC 10) and of the checkout warnings: the owner's list, and
// the overview's count, are one Query of it.
const checkoutEventsPK = "CHECKOUTEVENTS"

// checkoutEventKey is an unapplied checkout event, by its id (the source's
// name and its object's id, e.g. stripe:evt_... or shopify:order:123), so a
// redelivery lands on the same item.
func checkoutEventKey(id string) Key { return Key{checkoutEventsPK, checkoutEventPrefix + id} }

const checkoutEventPrefix = "EVENT#"

// checkoutWarningKey is a standing warning about a checkout's setup (a
// Stripe key refused), by name.
func checkoutWarningKey(name string) Key { return Key{checkoutEventsPK, checkoutWarningPrefix + name} }

const checkoutWarningPrefix = "WARNING#"

// checkoutBodyKey is one part of an unapplied event's gzipped body: its own
// partition, so the list never reads bodies.
func checkoutBodyKey(id string, part int) Key {
	return Key{"CHECKOUTBODY#" + id, fmt.Sprintf("PART#%02d", part)}
}

// importJobKey is a large import's job (SPEC 15), named by its file's
// hash; importPartKey one part of its gzipped file, in the same partition
// (the job is read by its own key, so its progress never reads the file).
func importJobKey(id string) Key { return Key{"IMPORT#" + id, "JOB"} }
func importPartKey(id string, part int) Key {
	return Key{"IMPORT#" + id, fmt.Sprintf("PART#%02d", part)}
}

// Leaderboards and contests (SPEC 17). A board is named by
// standings.Board: its event and window.

// boardRowKey is an affiliate's totals on a board; boardHeadKey counts the
// board's changes, so the snapshot job skips a board that has none.
func boardRowKey(board, affiliate string) Key { return Key{"BOARD#" + board, "ROW#" + affiliate} }
func boardHeadKey(board string) Key           { return Key{"BOARD#" + board, "HEAD"} }

// boardRowPrefix starts the sort keys of a board's rows.
const boardRowPrefix = "ROW#"

// boardMarkKey is the last state of an order a board has counted: written
// in the transaction that adds the order to its row, on condition that it
// is older, so a stream record delivered twice counts once.
func boardMarkKey(board, orderID string) Key { return Key{"BOARDMARK#" + board, orderID} }

// boardSnapKey is a board's standings as the job last computed them: the
// head (TOP: when, the top 20) and the parts, each affiliate in the part
// BoardPart gives it.
func boardSnapTopKey(board string) Key { return Key{"BOARDSNAP#" + board, "TOP"} }
func boardSnapPartKey(board string, n int) Key {
	return Key{"BOARDSNAP#" + board, fmt.Sprintf("PART#%02d", n)}
}

// boardAliasKey is an affiliate's number and name choice on an event's
// boards; boardAliasNextKey the event's last number given.
func boardAliasKey(event, affiliate string) Key { return Key{"BOARDALIAS#" + event, affiliate} }
func boardAliasNextKey(event string) Key        { return Key{"BOARDALIAS#" + event, "~NEXT"} }

// signupKey is a signup waiting for its address to be confirmed (SPEC
// 16), short-lived: its TTL removes it a day after its link stops working.
func signupKey(id string) Key { return Key{"SIGNUP#" + id, "SIGNUP"} }

// joinRateKey counts signups in one hour (UTC) for one address
// ("a:<email>") or one source ("s:<keyed hash of the IP>"), short-lived.
func joinRateKey(who, hour string) Key { return Key{"JOINRATE#" + who, hour} }

// joinerKey marks an address that has joined or applied: an applicant's,
// a declined one's, or a signed-up affiliate's, so no signup mail goes to
// it and no address applies twice.
func joinerKey(email string) Key { return Key{"JOINER#" + NormalizeEmail(email), "JOINER"} }

// applicantsPK is the partition of every application: the owner's list
// is one Query of it, oldest first (ids sort by when they applied).
const applicantsPK = "APPLICANTS"

// applicantKey is one application, by its id.
func applicantKey(id string) Key { return Key{applicantsPK, id} }

// Owner's summaries (SPEC 15, docs/table-design.md "The owner's pages at
// scale"): a row per affiliate per month and all time, kept from the stream.
const (
	summaryPrefix = "SUMMARY#"
	attrSumPK     = "SUMPK" // every summary index's partition: the row's own PK
	attrSumName   = "sname" // the name index's sort key: the name lower-cased
)

// SummaryKey is an affiliate's row for a month (YYYY-MM) or rollup.All.
func SummaryKey(period, affiliate string) Key { return Key{summaryPrefix + period, affiliate} }

// summaryCheckpointKey is how far the summaries took one source partition's
// stream records (STATS#<aff>, AFF#<aff>).
func summaryCheckpointKey(source string) Key { return Key{"SUMSEQ#" + source, "SUMSEQ"} }

// totalsKey is one shard of a day's program totals for an event ("~" for
// the ledger's money), in its month's partition.
func totalsKey(date, event string, shard int) Key {
	if event == "" {
		event = "~"
	}
	return Key{"TOTALS#" + date[:7], fmt.Sprintf("%s#%s#%d", date, event, shard)}
}

// summaryMonthKey marks a month whose zero rows the job has written.
func summaryMonthKey(month string) Key { return Key{"SUMMONTH#" + month, "SUMMONTH"} }
