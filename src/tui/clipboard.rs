//! Copy to the clipboard with OSC 52: works over SSH and inside tmux.

use base64::Engine as _;

/// The escape sequence that puts `text` on the clipboard. Inside tmux it is
/// wrapped in a passthrough so it reaches the outer terminal.
pub fn osc52(text: &str, in_tmux: bool) -> String {
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let seq = format!("\x1b]52;c;{payload}\x07");
    if in_tmux {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}
