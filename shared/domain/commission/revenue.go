package commission

// NetRevenue is what an order still brings in for a leaderboard (SPEC 17):
// its revenue (every line's amount, as link stats count it) less the money
// refunded on its lines, in the lines' own terms (as products sold shows
// it); refunded says the whole order is refunded, so it no longer counts
// as an order.
func NetRevenue(o SoldOrder) (net int64, refunded bool) {
	n := normalize(o)
	share := paidShares(n)
	all := len(n.Lines) > 0
	for i, l := range n.Lines {
		net += l.amount() - reported(l, share[i])
		if l.Refunded < l.Quantity {
			all = false
		}
	}
	if n.Paid > 0 && n.Refunded >= n.Paid {
		all = true
	}
	if all {
		net = 0
	}
	return net, all
}
