package portal

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/yeqown/go-qrcode/v2"
)

// QRSVG draws the QR code of text as inline SVG: one path of dark modules,
// with the standard 4-module quiet zone. The encoding is the library's; only
// the drawing is ours, so no image file or script is needed.
func QRSVG(text, label string) (template.HTML, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return "", fmt.Errorf("qr: %w", err)
	}
	w := &svgWriter{}
	if err := q.Save(w); err != nil {
		return "", fmt.Errorf("qr: %w", err)
	}
	const quiet = 4
	size := w.size + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges">`,
		size, size, template.HTMLEscapeString(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for _, m := range w.dark {
		fmt.Fprintf(&b, "M%d %dh1v1h-1z", m[0]+quiet, m[1]+quiet)
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

// svgWriter collects the dark modules of a QR matrix.
type svgWriter struct {
	size int
	dark [][2]int
}

func (w *svgWriter) Write(mat qrcode.Matrix) error {
	w.size = mat.Width()
	mat.Iterate(qrcode.IterDirection_ROW, func(x, y int, v qrcode.QRValue) {
		if v.IsSet() {
			w.dark = append(w.dark, [2]int{x, y})
		}
	})
	return nil
}

func (w *svgWriter) Close() error { return nil }
