"""The mail views checked against the migration files of the same source.

The IFF view and the mail views render a message along separate paths
(SEC sections and PRI rows; RFC 5322 and MIME). ccmail2iff writes the
migration files of a test post office in the post office's own code page,
so that nothing is lost; this module reads them into the messages the
mail views must show (mailbox, folder, sender, subject, date, flags, body
text, attachment names and bytes) and compares a parsed mail message with
one of them. The helpers that run the programs (a mount, ccmail2iff,
ccm-gen) are here too, for the suites that use this module: maildir.py
(Python's mailbox package on the mount) and imap.py (Dovecot over it).
"""
import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def split_fields(line):
    """One CSV line of the IFF files: quoted fields with "" inside, and
    multi-valued fields ("a";"b") kept whole."""
    fields, cur, quoted, i = [], [], False, 0
    while i < len(line):
        c = line[i]
        if c == '"' and quoted and line[i + 1:i + 2] == '"':
            cur.append('"')
            i += 1
        elif c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    fields.append("".join(cur))
    return fields


def sections(sec, off, codec):
    """The sections of one message in a SEC file's bytes, from off: the
    body text, then (name, bytes) for each attachment."""
    body, atts = None, []
    while True:
        end = sec.index(b"\r\n", off)
        head = split_fields(sec[off:end].decode(codec))
        n = int(head[1])
        data = sec[end + 2:end + 2 + n]
        assert sec[end + 2 + n:end + 4 + n] == b"\r\n", "SEC section end"
        if head[0] == "Body":
            body = data.decode(codec)
        else:
            atts.append((head[4], data))
        off = end + 4 + n
        if head[3] == "TRUE":
            return body, atts


def expected(ref_po):
    """The messages of a post office folder written by ccmail2iff, as a
    dict: mailbox name (or "#board" for a board) to its messages in
    order. Each message is a dict."""
    names = sorted(os.listdir(ref_po))
    pkl = [n for n in names if n.endswith(".PKL")][0]
    codec = "cp" + open(os.path.join(ref_po, pkl), "rb").readline().strip().decode()
    secs = {}
    boxes = {}
    for pri in [n for n in names if re.match(r"\d{8}\.PRI$", n)]:
        lines = open(os.path.join(ref_po, pri), "rb").read().decode(codec).split("\r\n")
        at = [i for i, l in enumerate(lines) if l.startswith("MAILMESSAGE,")][0]
        title = split_fields(lines[at])[1]
        box = None
        if title != "PublicMessages":
            box = re.sub(r" at [^@]*$", "", title[len("CCMAIL:"):])
            boxes[box] = []
        for line in lines[at + 2:]:
            if not line:
                continue
            f = split_fields(line)
            m = re.match(r"#(\d{8}\.SEC)\((\d+)\)$", f[11])
            if m.group(1) not in secs:
                secs[m.group(1)] = open(os.path.join(ref_po, m.group(1)), "rb").read()
            body, atts = sections(secs[m.group(1)], int(m.group(2)), codec)
            msg = {"folder": f[0], "sender": f[1], "subject": f[5],
                   "date": f[6], "unread": f[9] == "TRUE",
                   "unsent": f[10] == "TRUE", "body": body, "atts": atts}
            key = box
            if box is None:
                key = "#" + f[0].split("\\", 1)[1]
                boxes.setdefault(key, [])
            boxes[key].append(msg)
    return boxes


def clean(name):
    """A folder name as the mail views write it (core/README.md)."""
    name = re.sub(r"[/\x00-\x1f\x7f]", "_", name)
    if name[:1] in (".", "~"):
        name = "_" + name[1:]
    return name or "_"


def roots(po_dir, want):
    """Each mailbox's and board's Maildir root in the mount, as named by
    the rules (core/README.md), in the reference's order."""
    roots, taken = [], {"REPORT.TXT", "Bulletin Boards"}
    for box in want:
        if box.startswith("#"):
            roots.append(os.path.join(po_dir, "Bulletin Boards", clean(box[1:])))
            continue
        name, k = clean(box), 2
        while name in taken:
            name, k = "%s~%d" % (clean(box), k), k + 1
        taken.add(name)
        roots.append(os.path.join(po_dir, name))
    return roots


def place(msg):
    """Where the IFF row files a message, as the mail views name the
    folders: its levels cleaned, [] for the Inbox. The IFF view files
    Drafts in the Inbox (as unsent), so place_mail() folds Drafts into the
    Inbox too."""
    want = [clean(w) for w in msg["folder"].split("\\")]
    return tuple(want[1:] if want[0] == "Inbox" else want)


def place_mail(levels):
    """A Maildir folder's levels below its mailbox, compared as place()
    gives them: collision suffixes off, Drafts folded into the Inbox."""
    got = [re.sub(r"~\d+$", "", p) for p in levels]
    return tuple(got[1:] if got[:1] == ["Drafts"] else got)


def norm(text):
    """Text compared without regard to line ends, trailing line ends and
    runs of blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def check_message(data, msg, where, crlf):
    """Parses one mail message (bytes) and compares it with its IFF
    message; returns a list of problems (empty when it matches)."""
    bad = []
    ends = data.count(b"\r\n")
    if crlf and (ends != data.count(b"\n") or ends != data.count(b"\r")):
        bad.append("line ends are not all CR LF")
    if not crlf and b"\r" in data:
        bad.append("a CR in a Maildir message")
    m = email.message_from_bytes(data, policy=email.policy.default)
    for part in m.walk():
        if part.defects:
            bad.append("defects: %r" % (part.defects,))
    if " ".join(str(m["Subject"] or "").split()) != " ".join(msg["subject"].split()):
        bad.append("Subject %r, source %r" % (str(m["Subject"]), msg["subject"]))
    sender = re.sub(r" \[(CCMAIL|SMTP):.*\]$", "", msg["sender"])
    frm = m["From"].addresses[0] if m["From"] and m["From"].addresses else None
    if not frm or sender not in (frm.display_name, frm.addr_spec):
        bad.append("From %r, source %r" % (str(m["From"]), msg["sender"]))
    if msg["date"] and (not m["Date"] or m["Date"].datetime.strftime("%Y%m%d%H%M%S") != msg["date"]):
        bad.append("Date %r, source %s" % (str(m["Date"]), msg["date"]))
    body = m.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    if norm(text) != norm(msg["body"]):
        bad.append("body %r, source %r" % (text[:80], msg["body"][:80]))
    atts = [(a.get_filename(), a.get_content()) for a in m.iter_attachments()]
    if atts != msg["atts"]:
        bad.append("attachments %r, source %r" % (
            [(n, len(b)) for n, b in atts], [(n, len(b)) for n, b in msg["atts"]]))
    return ["%s: %s" % (where, b) for b in bad]


def run(args, **kw):
    """Runs a program, failing with its output when it fails."""
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit("%s failed (%d): %s%s" % (args[0], r.returncode, r.stdout, r.stderr))
    return r.stdout


def sources(scratch):
    """The test post offices: the sample (cp850, a board, a draft, Trash),
    the worked example of tests/example, and generated ones in cp850 and cp932 with tricky names and quirks.
    Yields (export folder, code page of the reference)."""
    root = os.environ["CCM_SOURCE_ROOT"]
    yield os.path.join(root, "tests", "sample", "export"), 850
    yield os.path.join(root, "tests", "example", "input"), 850
    gen = os.environ["CCM_GEN"]
    for cp, seed in ((850, 11), (932, 12)):
        out = os.path.join(scratch, "gen%d" % cp)
        run([gen, "--seed", str(seed), "--users", "3", "--messages", "40",
             "--attach-bytes", "200k", "--tricky", "--quirks",
             "--codepage", str(cp), out])
        yield out, cp


def reference(src, cp, out):
    """ccmail2iff's folders of src in page cp: {folder: path}."""
    run([os.environ["CCM_CCMAIL2IFF"], "-q", "--codepage=%d" % cp, src, out])
    return {n: os.path.join(out, n) for n in os.listdir(out)}


class Mount:
    """ccmailfs -f on a new mount point, unmounted by umount()."""

    def __init__(self, src, mnt, opts):
        os.mkdir(mnt)
        self.mnt = mnt
        self.log = open(mnt + ".log", "w")
        self.proc = subprocess.Popen(
            [os.environ["CCM_CCMAILFS"], "-f", "-o", opts, src, mnt],
            stdout=self.log, stderr=subprocess.STDOUT)
        parent = os.stat(os.path.dirname(mnt)).st_dev
        deadline = time.monotonic() + 30
        while os.stat(mnt).st_dev == parent:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                sys.exit("ccmailfs did not mount: " + open(mnt + ".log").read())
            time.sleep(0.05)

    def umount(self):
        subprocess.run(["fusermount3", "-u", self.mnt], check=False)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            subprocess.run(["fusermount3", "-u", "-z", self.mnt], check=False)
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc


def scratch_dir():
    """A private folder under /tmp for one run."""
    return tempfile.mkdtemp(prefix="ccm-mail-")


def fuse_usable():
    """Exits 77 (meson's skip) when FUSE cannot be used here."""
    if not os.path.exists("/dev/fuse") or os.geteuid() != 0:
        print("skipped: needs /dev/fuse and root")
        sys.exit(77)


def run_suite(name, opts, check, scratch=None):
    """Mounts each test post office with -o opts beside its reference and
    calls check(scratch, i, mount, {folder: reference folder}), which
    returns (messages checked, problems). Prints the problems; returns
    the exit code."""
    fuse_usable()
    scratch = scratch or scratch_dir()
    bad, total, mounts, clean = [], 0, [], True
    try:
        for i, (src, cp) in enumerate(sources(scratch)):
            ref = reference(src, cp, os.path.join(scratch, "ref%d" % i))
            mnt = Mount(src, os.path.join(scratch, "mnt%d" % i), opts)
            mounts.append(mnt)
            n, b = check(scratch, i, mnt, ref)
            total, bad = total + n, bad + b
            print("%s (cp%d): %d messages checked" % (src, cp, n))
    finally:
        for m in mounts:
            if m.umount():
                bad.append("ccmailfs exited non-zero on %s" % m.mnt)
                clean = False
        if clean:
            shutil.rmtree(scratch, ignore_errors=True)
    for b in bad[:40]:
        print("FAIL", b)
    print("%s: %d messages, %d problems" % (name, total, len(bad)))
    return 1 if bad or not total else 0
