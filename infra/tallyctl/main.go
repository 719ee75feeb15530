// Command tallyctl administers a Tally table: validate and load a program
// file, create the table, issue and revoke API keys. It works against any
// DynamoDB endpoint: AWS (default credentials), DynamoDB Local, or the dev
// server's store.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/background/summaries"
)

const usage = `tallyctl administers a Tally table.

Usage:
  tallyctl validate -program FILE
  tallyctl load-program -program FILE -table NAME [-endpoint URL] [-allow-file-keys]
  tallyctl import-affiliates FILE.csv -table NAME [-endpoint URL]
  tallyctl create-table -table NAME [-endpoint URL]
  tallyctl rebuild-summaries -table NAME [-endpoint URL]
  tallyctl rebuild-markers -table NAME [-endpoint URL]
  tallyctl issue-key (-affiliate CODE | -owner NAME) -table NAME [-endpoint URL]
  tallyctl revoke-key (-key KEY | -hash SHA256HEX) -table NAME [-endpoint URL]

validate and load-program refuse an invalid program as a whole, listing
every problem by path, and write nothing. load-program keeps every existing
short link and makes one for each new enrollment. It never touches an
affiliate added on the dashboard or by import: it refuses a file that lists
one, or removes a plan or event one still uses (with the count); it turns
into former the file affiliates the file no longer lists; a file affiliate
changed on the dashboard is the dashboard's, and the file's values for it
are ignored with a warning. A program file's api_key
fields are for local use: load-program refuses a file with any against a
deployed table (no -endpoint, or one that is not on this machine) unless
-allow-file-keys says so, so a demo key such as dev-owner-key never opens a
real business's payouts. Issue real keys with issue-key.

import-affiliates adds and updates affiliates from a CSV file: columns
code,name,email,plan,events (events separated by ;), optionally
payout_email,coupons; up to 50,000 rows. The whole file is checked first
against the program in the table, every problem listed by line, and nothing
is written when there is any. Then it is written here, 8 rows at a time,
with its progress printed every 500 rows; rows refused while writing (a code
or coupon code taken meanwhile) are listed at the end. Idempotent by code:
the same file again changes nothing, and completes an interrupted import.
Rows naming affiliates of the program file are refused.

rebuild-markers writes each affiliate's markers (under its recruiter and its
address, which sign-in, signup and the recruiter's page read, and, for those
with a ledger, the payee marker payouts and balances go through) for a table
written before they existed. Run it once after upgrading such a table: until
then payouts and balances read every affiliate's ledger. Safe to run again.

rebuild-summaries recomputes the owner's summaries (every affiliate's month
and all-time rows, and the program's daily totals) from the counters and
ledgers, and sets them: after a stream outage longer than its 24 hours, or a
bug. It reads every affiliate; run it while the stream is quiet.

issue-key prints a new key once; only its SHA-256 is stored. revoke-key makes a
key answer 401 within a minute (a warm authorizer keeps a key it has looked
up for 60 seconds).

Without -endpoint, the AWS SDK's default configuration is used (region,
credentials, AWS_ENDPOINT_URL_DYNAMODB). With it (e.g. http://127.0.0.1:8000
for DynamoDB Local), fixed local credentials are used.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tallyctl:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(out, usage)
		return nil
	}
	cmd := args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, usage) }
	file := fs.String("program", "", "program YAML file")
	table := fs.String("table", os.Getenv("TALLY_TABLE"), "table name (default $TALLY_TABLE)")
	endpoint := fs.String("endpoint", "", "DynamoDB endpoint URL (default: AWS)")
	affiliate := fs.String("affiliate", "", "affiliate code")
	owner := fs.String("owner", "", "owner name")
	key := fs.String("key", "", "API key to revoke")
	hash := fs.String("hash", "", "SHA-256 (hex) of the API key to revoke")
	allowFileKeys := fs.Bool("allow-file-keys", false, "load-program: accept the file's api_key fields against a deployed table")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var csvFile string
	if cmd == "import-affiliates" && fs.NArg() > 0 { // the file may come before the flags
		csvFile = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}

	if cmd == "validate" {
		_, err := parseFile(*file, program.Parse)
		if err == nil {
			fmt.Fprintf(out, "%s is valid\n", *file)
		}
		return err
	}
	if *table == "" {
		return fmt.Errorf("%s: -table is required", cmd)
	}
	if cmd == "load-program" && !*allowFileKeys && deployed(*endpoint) {
		p, err := parseFile(*file, program.ParseToLoad)
		if err != nil {
			return err
		}
		if fields := fileKeys(p); len(fields) > 0 {
			return fmt.Errorf("load-program: %s has API keys (%s) and the table is a deployed one: "+
				"remove them and use issue-key, or pass -allow-file-keys if you mean it", *file, strings.Join(fields, ", "))
		}
	}
	db, err := client(ctx, *endpoint)
	if err != nil {
		return err
	}
	st := store.New(db, *table)
	now := time.Now()

	switch cmd {
	case "create-table":
		tpl, err := sam.LoadRepo()
		if err != nil {
			return err
		}
		if err := tpl.CreateTable(ctx, db, *table); err != nil {
			return err
		}
		if err := tpl.EnableTTL(ctx, db, *table); err != nil && !strings.Contains(err.Error(), "already enabled") {
			return err
		}
		fmt.Fprintf(out, "table %s is ready\n", *table)
	case "rebuild-markers":
		n, err := st.RebuildMarkers(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "marked %d affiliates in %s\n", n, *table)
	case "load-program":
		p, err := parseFile(*file, program.ParseToLoad)
		if err != nil {
			return err
		}
		ld, err := st.Load(ctx, p, now)
		if err != nil {
			return err
		}
		for _, w := range ld.Warnings {
			fmt.Fprintln(out, "warning:", w)
		}
		fmt.Fprintf(out, "loaded %s into %s: version %s, %d events, %d products, %d affiliates, %d links\n",
			*file, *table, ld.Version, len(p.Events), len(p.Products), len(p.Affiliates), len(p.Links))
	case "import-affiliates":
		if csvFile == "" || fs.NArg() > 0 {
			return fmt.Errorf("import-affiliates: give one CSV file")
		}
		b, err := os.ReadFile(csvFile)
		if err != nil {
			return err
		}
		im, err := st.PlanCSV(ctx, b)
		var inv *program.InvalidImport
		if errors.As(err, &inv) {
			var lines []string
			for _, l := range inv.Lines {
				lines = append(lines, fmt.Sprintf("  line %d: %s", l.Line, l.Message))
			}
			return fmt.Errorf("import-affiliates: %s has %d problems; nothing was imported:\n%s", csvFile, len(inv.Lines), strings.Join(lines, "\n"))
		}
		if err != nil {
			return fmt.Errorf("import-affiliates: %w", err)
		}
		res, failed, err := writeImport(ctx, st, im, out, now)
		if err != nil {
			return fmt.Errorf("import-affiliates: %w (%d imported, %d updated before it; import the file again to complete it)", err, res.Imported, res.Updated)
		}
		fmt.Fprintf(out, "imported %s into %s: %d new, %d updated, %d unchanged\n", csvFile, *table, res.Imported, res.Updated, res.Unchanged)
		if len(failed) > 0 {
			return fmt.Errorf("import-affiliates: %d rows changed in the table since the check and were not written:\n%s", len(failed), strings.Join(failed, "\n"))
		}
	case "rebuild-summaries":
		p, _, err := st.LoadProgram(ctx)
		if err != nil {
			return err
		}
		start := time.Now()
		res, err := summaries.Rebuild(ctx, st, p, now)
		if err != nil {
			return fmt.Errorf("rebuild-summaries: %w (the rows it set are right; run it again)", err)
		}
		fmt.Fprintf(out, "rebuilt the summaries of %d affiliates in %s: %d rows, totals of %d months, in %v\n",
			res.Affiliates, *table, res.Rows, res.Months, time.Since(start).Round(time.Millisecond))
	case "issue-key":
		role, subject := store.RoleAffiliate, *affiliate
		if *owner != "" {
			role, subject = store.RoleOwner, *owner
		}
		if (*affiliate == "") == (*owner == "") {
			return fmt.Errorf("issue-key: give exactly one of -affiliate or -owner")
		}
		p, _, err := st.LoadProgram(ctx)
		if err != nil {
			return err
		}
		if p == nil {
			return fmt.Errorf("issue-key: no program is loaded in %s", *table)
		}
		if _, ok := p.Affiliate(subject); role == store.RoleAffiliate && !ok {
			return fmt.Errorf("issue-key: unknown affiliate %q", subject)
		}
		if role == store.RoleOwner && !p.IsOwner(subject) {
			return fmt.Errorf("issue-key: %q is not an owner in the program (owners: in the program file)", subject)
		}
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		k := "tly_" + base64.RawURLEncoding.EncodeToString(b)
		if err := st.IssueAPIKey(ctx, k, role, subject, now); err != nil {
			return err
		}
		fmt.Fprintf(out, "new %s key for %s (shown once; only its hash is stored):\n%s\n", role, subject, k)
	case "revoke-key":
		h := *hash
		if *key != "" {
			h = store.HashKey(*key)
		}
		if h == "" {
			return fmt.Errorf("revoke-key: give -key or -hash")
		}
		if err := st.RevokeAPIKey(ctx, h, now); err != nil {
			if errors.Is(err, store.ErrNoKey) {
				return fmt.Errorf("revoke-key: no such key")
			}
			return err
		}
		fmt.Fprintln(out, "revoked")
	default:
		return fmt.Errorf("unknown command %q (see tallyctl --help)", cmd)
	}
	return nil
}

func parseFile(path string, parse func([]byte) (*program.Program, error)) (*program.Program, error) {
	if path == "" {
		return nil, fmt.Errorf("-program is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(b)
}

// deployed says whether the table is not on this machine: no -endpoint (so
// AWS, unless AWS_ENDPOINT_URL_DYNAMODB names a loopback address) or an
// endpoint on another host.
func deployed(endpoint string) bool {
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	}
	u, err := url.Parse(endpoint)
	if endpoint == "" || err != nil {
		return true
	}
	if u.Hostname() == "localhost" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip == nil || !ip.IsLoopback()
}

// fileKeys names the program's api_key fields that are set.
func fileKeys(p *program.Program) []string {
	var out []string
	for i, a := range p.Affiliates {
		if a.APIKey != "" {
			out = append(out, fmt.Sprintf("affiliates[%d].api_key", i))
		}
	}
	for i, o := range p.Owners {
		if o.APIKey != "" {
			out = append(out, fmt.Sprintf("owners[%d].api_key", i))
		}
	}
	return out
}

func client(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	if endpoint != "" {
		return app.LocalDynamoDB(endpoint), nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg), nil
}
