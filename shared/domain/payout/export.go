package payout

import (
	"github.com/tallyhq/tally/shared/domain/csvout"
	"github.com/tallyhq/tally/shared/domain/money"
)

// ExportItem is one item of a payout as exported: frozen when the payout was
// created, so the same payout always gives the same bytes.
type ExportItem struct {
	ID          string
	Affiliate   string
	Name        string
	Email       string
	AmountCents int64
	Entries     int
	From, To    string
}

// PayPal is PayPal's Payouts file: no header; per item the recipient's
// email, the amount in the currency's decimals, the currency, the item's id
// (PayPal's sender item id, so a payment can be traced back) and a note
// naming the period the commissions were earned in.
func PayPal(items []ExportItem, currency string) []byte {
	rows := make([][]any, 0, len(items))
	for _, it := range items {
		rows = append(rows, []any{csvout.Text(it.Email), csvout.Decimal(money.Plain(it.AmountCents, currency)),
			csvout.Text(currency), csvout.Text(it.ID), csvout.Text("Commissions " + it.From + " to " + it.To)})
	}
	return csvout.Write(nil, rows)
}

// CSVHeader is the header of the spreadsheet export.
var CSVHeader = []string{"item_id", "affiliate", "name", "email", "amount", "currency", "entries", "from", "to"}

// CSV is the spreadsheet export: one row per item, with its period.
func CSV(items []ExportItem, currency string) []byte {
	rows := make([][]any, 0, len(items))
	for _, it := range items {
		rows = append(rows, []any{csvout.Text(it.ID), csvout.Text(it.Affiliate), csvout.Text(it.Name), csvout.Text(it.Email),
			csvout.Decimal(money.Plain(it.AmountCents, currency)), csvout.Text(currency), it.Entries,
			csvout.Text(it.From), csvout.Text(it.To)})
	}
	return csvout.Write(CSVHeader, rows)
}
