package stripehook

// PaymentSettled is how a payment intent's latest charge, or a charge,
// settled: the reads behind InvoiceSettled, for checking against
// stripe-mock, whose invoice payments name no payment intent.
var PaymentSettled = (*Client).paymentSettled
