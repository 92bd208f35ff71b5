package command

import (
	"io"
	"sync"
)

// checkedWriter passes writes through and remembers the first error, so that a command whose
// output went nowhere (a full disk, a closed pipe) fails instead of exiting 0.
type checkedWriter struct {
	w   io.Writer
	mu  sync.Mutex
	n   int64
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}

// written reports whether anything was written.
func (c *checkedWriter) written() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n > 0
}

// failure returns the first write error, nil when every write succeeded.
func (c *checkedWriter) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
