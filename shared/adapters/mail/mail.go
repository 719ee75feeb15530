// Package mail sends the portal's sign-in messages: through Amazon SES on
// AWS, or as one printed line in the dev server and tests.
package mail

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// Message is one mail.
type Message struct {
	To      string
	Subject string
	Text    string // the plain-text body
	Link    string // the sign-in link it carries (printed by Printer)
	// Unsubscribe, when set, is the one-click unsubscribe URL (RFC 8058):
	// sent as List-Unsubscribe with List-Unsubscribe-Post.
	Unsubscribe string
}

// Headers are the extra headers a message carries.
func (m Message) Headers() map[string]string {
	if m.Unsubscribe == "" {
		return nil
	}
	return map[string]string{"List-Unsubscribe": "<" + m.Unsubscribe + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
}

// Sender sends mail.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Printer "sends" by printing `mail to <address>: <subject> <link>`, one line
// per message, for the dev server and the tests that read it.
type Printer struct {
	mu sync.Mutex
	W  io.Writer
}

// Send prints the message's line.
func (p *Printer) Send(_ context.Context, m Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := fmt.Fprintf(p.W, "mail to %s: %s %s\n", m.To, m.Subject, m.Link)
	return err
}

// SESAPI is the part of the SES client SES uses.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SES sends through Amazon SES from a verified sender address.
type SES struct {
	Client SESAPI
	From   string
}

// Send sends a plain-text mail.
func (s *SES) Send(ctx context.Context, m Message) error {
	msg := &types.Message{
		Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
		Body:    &types.Body{Text: &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}},
	}
	for k, v := range m.Headers() {
		msg.Headers = append(msg.Headers, types.MessageHeader{Name: aws.String(k), Value: aws.String(v)})
	}
	_, err := s.Client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content:          &types.EmailContent{Simple: msg},
	})
	if err != nil {
		return fmt.Errorf("ses send: %w", err)
	}
	return nil
}
