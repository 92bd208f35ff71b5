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
	w      io.Writer
	bar    *progressbar.ProgressBar
	waited bool
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
	// lastWaitLine is the elapsed wait the last wait line reported, truncated to
	// logWaitEvery (0: none yet).
	lastWaitLine time.Duration
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
	objects := "objects"
	if total == 1 {
		objects = "object"
	}
	fmt.Fprintf(l.w, "Uploaded %d%% (%d of %d %s).\n", tenths*10, done, total, objects)
}

func (l *logProgress) Finish(bool) {}

// Waiter is a Progress that also shows the wait for a finalized job to finish. Apply calls
// Wait about once a second with the time since finalize was sent, then Done once.
type Waiter interface {
	Wait(jobID string, elapsed time.Duration)
	Done()
}

// waitTick is how often Apply reports the wait.
const waitTick = time.Second

// logWaitEvery is how often the log reports the wait: a line a second would flood a CI log.
const logWaitEvery = 30 * time.Second

// Wait rewrites one line in place with the elapsed time.
func (b *bar) Wait(jobID string, elapsed time.Duration) {
	fmt.Fprintf(b.w, "\r\x1b[KWaiting for job %s to finish: %s elapsed", jobID, elapsed.Round(time.Second))
	b.waited = true
}

func (b *bar) Done() {
	if b.waited {
		fmt.Fprintln(b.w)
	}
}

// Wait prints a line every logWaitEvery.
func (l *logProgress) Wait(jobID string, elapsed time.Duration) {
	if elapsed < l.lastWaitLine+logWaitEvery {
		return
	}
	l.lastWaitLine = elapsed.Truncate(logWaitEvery)
	fmt.Fprintf(l.w, "Still waiting for job %s to finish: %s elapsed.\n", jobID, elapsed.Round(time.Second))
}

func (l *logProgress) Done() {}
