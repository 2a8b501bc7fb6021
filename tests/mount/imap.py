#!/usr/bin/env python3
"""A real Dovecot serves the Maildir view over IMAP.

Each test post office (mailcheck.sources) is mounted with -o
view=maildir,allow_other, and Debian's Dovecot is started on 127.0.0.1 at
a free high port with a configuration of its own: one IMAP user per
mailbox and per bulletin board, whose mail_location is that Maildir of the
read-only mount in Dovecot's LAYOUT=fs, its indexes and control files in a
private writable folder. imaplib logs in as each user, lists every folder,
examines it and fetches every message; each is compared with the same
message in ccmail2iff's migration files of the same source (mailcheck):
headers, body text, attachment names and bytes, flags, folder, size and
date. Dovecot is stopped by its pid, and its log must hold no error.

Dovecot runs its IMAP processes as an unprivileged uid, hence allow_other:
without it, FUSE lets no one but the mounting user (root) in.
"""
import base64
import calendar
import datetime
import email
import email.policy
import imaplib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailcheck  # noqa: E402

UID = 47113  # the IMAP processes' uid and gid (no account needed)
PASSWORD = "Mig-2000!"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_conf(d, port):
    """Every path of Dovecot's (base, state, log) is under d."""
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(f"""base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = {UID}
last_valid_uid = {UID}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/users
}}
userdb {{
  driver = passwd-file
  args = {d}/users
}}
mail_location = maildir:{d}/boxes/%u:LAYOUT=fs:UTF-8:INDEX={d}/home/%u/index:CONTROL={d}/home/%u/control
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")
    return conf


def add_users(d, roots):
    """One user per Maildir root (u1, u2...): its name a symlink to the
    root, so that no path with blanks goes into Dovecot's user file."""
    os.makedirs(os.path.join(d, "boxes"), exist_ok=True)
    lines = []
    for i, root in enumerate(roots):
        user = "u%d" % (i + 1)
        os.symlink(root, os.path.join(d, "boxes", user))
        home = os.path.join(d, "home", user)
        os.makedirs(home)
        os.chown(home, UID, UID)
        lines.append(f"{user}:{{PLAIN}}{PASSWORD}:{UID}:{UID}::{home}::\n")
    with open(os.path.join(d, "users"), "w") as f:
        f.writelines(lines)
    return ["u%d" % (i + 1) for i in range(len(roots))]


class Dovecot:
    """dovecot -F with a private configuration, leader of its own
    session so that a failed test leaves none of its processes."""

    def __init__(self, d, port):
        self.d, self.port = d, port
        conf = write_conf(d, port)
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(d, "stderr"), "w"),
                                     start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                sys.exit("dovecot did not start: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return
            except OSError:
                time.sleep(0.1)

    def log(self):
        text = ""
        for n in ("dovecot.log", "stderr"):
            p = os.path.join(self.d, n)
            if os.path.exists(p):
                text += open(p, errors="replace").read()
        return text

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def stop(self):
        """SIGTERM to its pid; the problems it logged (and its exit)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
            return ["dovecot did not stop on SIGTERM"]
        bad = [] if rc == 0 else ["dovecot exited %d" % rc]
        # Its children end when they see the master gone, soon after.
        deadline = time.monotonic() + 30
        try:
            while True:
                os.killpg(self.proc.pid, 0)
                if time.monotonic() > deadline:
                    bad.append("dovecot left processes behind")
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.1)
        except ProcessLookupError:
            pass
        # The master logs the SIGTERM it was stopped with as a warning.
        return bad + ["dovecot: " + l for l in self.log().splitlines()
                      if re.search(r"(Error|Fatal|Panic|Warning):", l)
                      and "Killed with signal 15" not in l]


def mutf7(name):
    """IMAP's modified UTF-7 mailbox name (RFC 3501 5.1.3) as text."""
    def dec(m):
        if m.group(1) == "":
            return "&"
        b = m.group(1).replace(",", "/")
        return base64.b64decode(b + "=" * (-len(b) % 4)).decode("utf-16-be")
    return re.sub(r"&([A-Za-z0-9+,]*)-", dec, name)


def list_folders(imap):
    """Every mailbox name (decoded) of the logged-in user."""
    typ, data = imap.list('""', "*")
    assert typ == "OK", data
    names = []
    for line in data:
        m = re.match(rb'\((.*?)\) "(.)" (.*)$', line)
        flags, raw = m.group(1), m.group(3).decode()
        if raw.startswith('"'):
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if b"\\Noselect" in flags:
            names.append((raw, None))
        else:
            names.append((raw, mutf7(raw)))
    return names


def fetch_all(imap, raw):
    """The messages of one folder: (flags, internal date, size, bytes)."""
    typ, data = imap.select('"%s"' % raw.replace("\\", "\\\\").replace('"', '\\"'),
                            readonly=True)
    assert typ == "OK", data
    if int(data[0]) == 0:
        return []
    typ, data = imap.fetch("1:*", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
    assert typ == "OK", data
    out = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        head = item[0].decode()
        flags = re.search(r"FLAGS \((.*?)\)", head).group(1).split()
        when = re.search(r'INTERNALDATE "([^"]+)"', head).group(1)
        when = datetime.datetime.strptime(when.strip(), "%d-%b-%Y %H:%M:%S %z")
        size = int(re.search(r"RFC822\.SIZE (\d+)", head).group(1))
        out.append((flags, int(when.timestamp()), size, item[1]))
    return out


def sort_key(msg):
    return (msg["date"], " ".join(msg["subject"].split()), mailcheck.norm(msg["body"]))


def mail_key(data):
    m = email.message_from_bytes(data, policy=email.policy.default)
    date = m["Date"].datetime.strftime("%Y%m%d%H%M%S") if m["Date"] else ""
    body = m.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return (date, " ".join(str(m["Subject"] or "").split()), mailcheck.norm(text))


def check_user(imap, user, msgs, board):
    """One mailbox (or board) over IMAP against its IFF messages."""
    bad, count = [], 0
    want = {}
    for m in msgs:
        want.setdefault(() if board else mailcheck.place(m), []).append(m)
    got = {}
    for raw, name in list_folders(imap):
        if name is None:
            continue
        levels = [] if name == "INBOX" else name.split("/")
        got.setdefault(mailcheck.place_mail(levels), []).extend(fetch_all(imap, raw))
    for place in sorted(set(want) | set(got)):
        w = sorted(want.get(place, []), key=sort_key)
        g = sorted(got.get(place, []), key=lambda x: mail_key(x[3]))
        where = "%s %s" % (user, "/".join(place) or "INBOX")
        if len(w) != len(g):
            bad.append("%s: %d messages over IMAP, the source has %d" % (where, len(g), len(w)))
            continue
        for k, (msg, (flags, when, size, data)) in enumerate(zip(w, g)):
            at = "%s message %d" % (where, k + 1)
            bad += mailcheck.check_message(data, msg, at, crlf=True)
            if size != len(data):
                bad.append("%s: RFC822.SIZE %d, %d bytes fetched" % (at, size, len(data)))
            if ("\\Seen" in flags) == msg["unread"] or ("\\Draft" in flags) != msg["unsent"]:
                bad.append("%s: flags %r" % (at, flags))
            if msg["date"]:
                t = calendar.timegm(time.strptime(msg["date"], "%Y%m%d%H%M%S"))
                if when != t:
                    bad.append("%s: INTERNALDATE %s, date %d" % (at, when, t))
            count += 1
    return count, bad


def serve(scratch, i, mnt, ref):
    """Dovecot over one mount: every user checked."""
    d = os.path.join(scratch, "dovecot%d" % i)
    os.mkdir(d)
    wants, roots = [], []
    for po in sorted(ref):
        want = mailcheck.expected(ref[po])
        wants += [(box, msgs) for box, msgs in want.items()]
        roots += mailcheck.roots(os.path.join(mnt.mnt, po), want)
    users = add_users(d, roots)
    dov = Dovecot(d, free_port())
    bad, count = [], 0
    try:
        for user, (box, msgs) in zip(users, wants):
            imap = imaplib.IMAP4("127.0.0.1", dov.port)
            try:
                typ, _ = imap.login(user, PASSWORD)
                assert typ == "OK"
                n, b = check_user(imap, "%s (%s)" % (user, box), msgs, box.startswith("#"))
            finally:
                imap.logout()
            count, bad = count + n, bad + b
    finally:
        bad += dov.stop()
    return count, bad


def main():
    if not shutil.which("dovecot"):
        print("skipped: no dovecot (Debian's dovecot-imapd, see .ci/deps)")
        return 77
    scratch = mailcheck.scratch_dir()
    os.chmod(scratch, 0o755)  # the IMAP processes' uid walks through it
    return mailcheck.run_suite("imap", "view=maildir,allow_other", serve, scratch)


if __name__ == "__main__":
    sys.exit(main())
