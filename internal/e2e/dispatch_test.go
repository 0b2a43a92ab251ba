//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// go-app drops a Dispatch whose context's element is gone, and an event
// handler's context is the element it was set on. These are work a button
// or form started whose element the re-render replaced meanwhile: the
// result must still show.

// TestDispatchFocusAddPerson: "Add a person" gives way to the form it
// opens, and the focus moves to the form's first field after that render
// (go-app dropped the deferred focus with the button, leaving the focus
// nowhere for a keyboard or screen-reader user).
func TestDispatchFocusAddPerson(t *testing.T) {
	s := startSite(t, "dispatch-focus")
	ctx, cancel := browser(t)
	defer cancel()
	setUpVault(t, ctx, s, vPass, vName, vBirth)

	vNav(t, ctx, "/profiles")
	vRun(t, ctx, vClickAt("#profile-add"), chromedp.WaitVisible("#profile-name", chromedp.ByID))
	vPoll(t, ctx, "the focus on the name field", `document.activeElement && document.activeElement.id === "profile-name"`)
	vShots(t, ctx, "dispatch-focus-add-person")
}

// TestDispatchBigPreview: a picture too big to preview on its own shows a
// "Show preview" button, which the loading line replaces as soon as it is
// pressed; the picture must still show once decrypted (it stayed at
// "Loading preview…").
func TestDispatchBigPreview(t *testing.T) {
	s := startSite(t, "dispatch-preview")
	ctx, cancel := browser(t)
	defer cancel()
	fsUnlocked(t, ctx, s)

	fsNav(t, ctx, "/files")
	fsRun(t, ctx, "files page", chromedp.WaitVisible(`#files-empty`, chromedp.ByQuery))
	// A real PNG with padding after its end: above the 25 MB a preview
	// decrypts on its own.
	big := append(testPNG(t), bytes.Repeat([]byte{0}, 26<<20)...)
	path := writeTemp(t, t.TempDir(), "full scan.png", big)
	fsRun(t, ctx, "pick the big file", chromedp.SetUploadFiles(`#file-input`, []string{path}, chromedp.ByQuery))
	fsWait(t, ctx, "upload saved", `document.querySelectorAll('#uploads .upload-done').length === 1 && document.querySelectorAll('.file-item').length === 1`, time.Minute)
	item := fsItem(fsFileID(t, ctx, "full scan.png"))

	fsClick(t, ctx, item+" .file-preview-toggle")
	fsWait(t, ctx, "the show-preview button", fmt.Sprintf(`!!document.querySelector('%s .preview-show')`, item), 15*time.Second)
	fsClick(t, ctx, item+" .preview-show")
	fsWait(t, ctx, "image decoded", fmt.Sprintf(`(() => { const i = document.querySelector('%s img.preview-img');
		return i && i.complete && i.naturalWidth === 320 })()`, item), 45*time.Second)
	fsWait(t, ctx, "the loading line gone", fmt.Sprintf(`!document.querySelector('%s .file-preview progress')`, item), 5*time.Second)
	fsShots(t, ctx, "dispatch-big-preview")
}
