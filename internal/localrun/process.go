package localrun

import (
	"errors"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a child gets to exit after SIGTERM before SIGKILL.
const stopGrace = 2 * time.Second

// child is a process this package started, in a process group of its own so
// that stopping it also stops what it started (an emulator's bootstrap, or
// the qemu running it), and so that the terminal's Ctrl-C reaches only us:
// we decide the order of shutdown.
type child struct {
	cmd    *exec.Cmd
	output *tailBuffer
	exited chan struct{}
	err    error // set before exited closes
}

func startChild(cmd *exec.Cmd) (*child, error) {
	output := &tailBuffer{limit: 16 << 10}
	if cmd.Stderr == nil {
		cmd.Stderr = output
	}
	if cmd.Stdout == nil {
		cmd.Stdout = output
	}
	// Pdeathsig: if this process dies without cleaning up (SIGKILL), the
	// kernel still stops the child.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, output: output, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// stop ends the child's whole process group and waits for the child.
func (c *child) stop() {
	pgid := c.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(stopGrace):
	}
	// The group may outlive its leader: SIGKILL whatever is left in it.
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-c.exited
}

func (c *child) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// tailBuffer keeps the last bytes a child wrote, for error messages.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	data  []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data = append(b.data, p...)
	if over := len(b.data) - b.limit; over > 0 {
		b.data = b.data[over:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.data))
}

// exitError describes how the child ended, with the last of its output.
func (c *child) exitError(name string) error {
	<-c.exited
	return errors.New(name + " exited (" + describeExit(c.err) + "); its last output:\n" + c.output.String())
}

func describeExit(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}
