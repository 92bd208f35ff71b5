package apply

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress reports an upload as it goes. Apply calls Start once with the number of objects
// to upload, Update after each accepted batch (never concurrently; done only grows), and
// Finish once, ok telling whether every object was uploaded.
type Progress interface {
	Start(total int)
	Update(done, total int)
	Finish(ok bool)
}

type noProgress struct{}

func (noProgress) Start(int)       {}
func (noProgress) Update(int, int) {}
func (noProgress) Finish(bool)     {}

// NewBar returns a progress bar drawn on w, for terminals.
func NewBar(w io.Writer) Progress { return &bar{w: w} }

type bar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (b *bar) Start(total int) {
	if total == 0 {
		return
	}
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription("Uploading"),
		progressbar.OptionSetItsString("objects"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(b.w) }),
	)
}

func (b *bar) Update(done, _ int) {
	if b.bar != nil {
		_ = b.bar.Set(done)
	}
}

func (b *bar) Finish(ok bool) {
	if b.bar == nil {
		return
	}
	if ok {
		_ = b.bar.Finish() // completion prints the newline
		return
	}
	_ = b.bar.Exit()
	fmt.Fprintln(b.w)
}

// NewLog returns a progress report of one line per tenth of the upload, for logs and other
// output that is not a terminal.
func NewLog(w io.Writer) Progress { return &logProgress{w: w} }

type logProgress struct {
	w     io.Writer
	total int
	// tenths is how many tenths of the upload have been reported.
	tenths int
}

func (l *logProgress) Start(total int) { l.total, l.tenths = total, 0 }

func (l *logProgress) Update(done, total int) {
	if total <= 0 {
		return
	}
	tenths := done * 10 / total
	if tenths <= l.tenths {
		return
	}
	l.tenths = tenths
	fmt.Fprintf(l.w, "Uploaded %d%% (%d of %d objects).\n", tenths*10, done, total)
}

func (l *logProgress) Finish(bool) {}
