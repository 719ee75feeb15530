package admin

import (
	"strconv"
	"strings"

	"github.com/tallyhq/tally/shared/domain/program"
)

// AffiliateForm is the add and edit form's fields, filled in.
type AffiliateForm struct {
	Code, Name, Email, PayoutEmail, Coupons, Rev string
	Plans, Events, Notify                        []Option
}

// Option is a choice of a select or a box of the form.
type Option struct {
	Value, Label string
	On           bool
}

// originWords say where an affiliate was made.
var originWords = map[string]string{
	program.OriginFile: "the program file", program.OriginDashboard: "this dashboard", program.OriginImport: "an import",
}

var notifyWords = []struct{ value, label string }{
	{program.NotifyEach, "For each commission"}, {program.NotifyDaily, "A daily digest"}, {program.NotifyNone, "No mail"},
}

// affiliateForm is the form for a (the zero affiliate: a new one).
func affiliateForm(p *program.Program, a program.Affiliate) AffiliateForm {
	f := AffiliateForm{Code: a.Code, Name: a.Name, Email: a.Email, PayoutEmail: a.PayPalEmail,
		Coupons: strings.Join(a.Coupons, ", "), Rev: strconv.FormatInt(a.Rev, 10)}
	for i, pl := range p.Plans {
		f.Plans = append(f.Plans, Option{Value: pl.ID, Label: pl.ID, On: pl.ID == a.Plan || (a.Plan == "" && i == 0)})
	}
	for _, e := range p.Events {
		f.Events = append(f.Events, Option{Value: e.Slug, Label: e.Name, On: a.EnrolledIn(e.Slug)})
	}
	for _, n := range notifyWords {
		f.Notify = append(f.Notify, Option{Value: n.value, Label: n.label, On: n.value == a.NotifyMode()})
	}
	return f
}
