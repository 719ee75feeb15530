// Command local serves every route of template.yaml on 127.0.0.1:3000
// through the same handler code the Lambdas run, over an embedded
// DynamoDB-compatible store with the demo program loaded.
//
//	go run ./infra/local [-addr HOST:PORT] [-program FILE] [-dynamodb-endpoint URL]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "address to listen on")
	programFile := flag.String("program", "", "program YAML to load instead of the demo")
	endpoint := flag.String("dynamodb-endpoint", "", "DynamoDB endpoint to use instead of the embedded store (e.g. DynamoDB Local)")
	table := flag.String("table", "tally", "table name (created from template.yaml when missing)")
	activity := flag.Bool("demo-activity", true, "with the demo program on the embedded store, play the worked examples' clicks, orders and payouts at start")
	flag.Parse()
	if err := run(*addr, *programFile, *endpoint, *table, *activity); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run(addr, programFile, endpoint, table string, activity bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var src []byte
	if programFile != "" {
		b, err := os.ReadFile(programFile)
		if err != nil {
			return err
		}
		src = b
	}
	secret := os.Getenv("TALLY_WEBHOOK_SECRET")
	srv, err := devserver.New(ctx, devserver.Options{
		DynamoDBEndpoint: endpoint,
		Table:            table,
		ProgramYAML:      src,
		WebhookSecrets:   secret,
		ClickKey:         os.Getenv("TALLY_CLICK_KEY"),
		SessionKey:       os.Getenv("TALLY_SESSION_KEY"),

		StripeWebhookSecrets: os.Getenv("TALLY_STRIPE_WEBHOOK_SECRET"),
		StripeAPIKey:         os.Getenv("TALLY_STRIPE_API_KEY"),
		StripeAPIURL:         os.Getenv("TALLY_STRIPE_API_URL"),
		ShopifySecrets:       os.Getenv("TALLY_SHOPIFY_SECRET"),
		Log:                  slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Notify:               true,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + l.Addr().String()
	srv.SetPublicBaseURL(base)
	store := "embedded store"
	if endpoint != "" {
		store = endpoint
	}
	fmt.Printf("Tally dev server: %d routes from template.yaml, table %q on %s\n", len(srv.Routes), table, store)
	for _, r := range srv.Routes {
		fmt.Printf("  %-5s %s\n", r.Method, r.Path)
	}
	if secret == "" {
		fmt.Printf("webhook secret (TALLY_WEBHOOK_SECRET was unset): %s\n", srv.WebhookSecret)
	}
	for _, v := range []struct{ env, val string }{
		{"TALLY_STRIPE_WEBHOOK_SECRET", srv.StripeWebhookSecret},
		{"TALLY_STRIPE_API_KEY", srv.StripeAPIKey},
		{"TALLY_SHOPIFY_SECRET", srv.ShopifySecret},
	} {
		if os.Getenv(v.env) == "" {
			fmt.Printf("%s was unset; made up: %s\n", v.env, v.val)
		}
	}
	if src == nil {
		fmt.Println("demo program loaded; API keys:")
		names := make([]string, 0, len(demo.Keys))
		for n := range demo.Keys {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Printf("  %-9s %s\n", n, demo.Keys[n])
		}
		fmt.Printf("try: curl -H 'Authorization: Bearer dev-jane-key' %s/reports/links\n", base)
		fmt.Printf("or open %s/reports/ledger in a browser and sign in as jane@example.com, bob@example.com or kim@example.com (the sign-in mail is printed here)\n", base)
		fmt.Printf("the owner's dashboard: open %s/admin and sign in as accounts@example.com\n", base)
	}
	if src == nil && endpoint == "" && activity {
		// A fresh embedded store each start, so the activity's ids are new.
		jane, _ := srv.Program.LinkFor("summit-2026", "jane")
		if err := demo.Play(srv.Handler(), srv.WebhookSecret, time.Now(), jane.Code); err != nil {
			return err
		}
		fmt.Println("demo activity played: the worked examples of SPEC sections 6 and 9 (clicks, orders, a refund, kim's payouts)")
	}
	for _, lk := range srv.Program.Links {
		fmt.Printf("  link %-6s %-13s %s/go/%s/%s  %s/s/%s\n", lk.Affiliate, lk.Event, base, lk.Event, lk.Affiliate, base, lk.Code)
	}

	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	fmt.Printf("listening on %s\n", base)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
