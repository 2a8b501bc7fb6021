#!/usr/bin/env python3
"""The Maildir view read by Python's own mailbox and email packages.

Each test post office (mailcheck.sources) is mounted with -o view=maildir.
Every folder of every mailbox and board is opened with mailbox.Maildir,
every message parsed with the email package (policy default) and compared
with the same message in the migration files that ccmail2iff writes from
the same source: no defects, the same subject, sender, date, folder and
flags, the same body text, and attachments with the same names and
bytes. Each file's size at stat is the bytes read, equal to the S= of its
name, and its mtime is the message's date.
"""
import calendar
import mailbox
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailcheck  # noqa: E402

NAME = re.compile(r"^(\d+)\.M(\d+)\.ccmail,S=(\d+)$")


def folders(root):
    """Every Maildir folder under root: (levels below root, path)."""
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        if {"cur", "new", "tmp"} <= set(dirs):
            rel = os.path.relpath(dirpath, root)
            yield ([] if rel == "." else rel.split(os.sep)), dirpath
        if os.path.basename(dirpath) in ("new", "tmp"):
            assert not files and not dirs, dirpath + " is not empty"


def messages(root, where):
    """Every message of the Maildir tree root, by its number: (levels,
    flags, bytes). Checks names, sizes and mtimes on the way."""
    out, bad = {}, []
    for levels, path in folders(root):
        md = mailbox.Maildir(path, factory=None, create=False)
        files = {f.split(":")[0]: f for f in os.listdir(os.path.join(path, "cur"))}
        for key in md.iterkeys():
            m = NAME.match(key)
            data = md.get_bytes(key)
            st = os.stat(os.path.join(path, "cur", files[key]))
            if not m or int(m.group(3)) != len(data) or st.st_size != len(data):
                bad.append("%s/%s: name or size (%d bytes, stat %d)" % (
                    where, key, len(data), st.st_size))
                continue
            flags = md.get_message(key).get_flags()
            out[int(m.group(2))] = (levels, flags, data, st.st_mtime, int(m.group(1)))
    return out, bad


def compare(box, msgs, got, where):
    """The messages of one mailbox or board against their IFF rows."""
    bad = []
    if len(got) != len(msgs):
        return ["%s: %d messages, the source has %d" % (where, len(got), len(msgs))]
    for msg, seq in zip(msgs, sorted(got)):
        levels, flags, data, mtime, date = got[seq]
        at = "%s message %d" % (where, seq)
        bad += mailcheck.check_message(data, msg, at, crlf=False)
        if not box.startswith("#") and mailcheck.place_mail(levels) != mailcheck.place(msg):
            bad.append("%s: in %r, the source files it in %r" % (at, levels, msg["folder"]))
        if ("S" in flags) == msg["unread"] or ("D" in flags) != msg["unsent"]:
            bad.append("%s: flags %r, unread %s, draft %s" % (
                at, flags, msg["unread"], msg["unsent"]))
        if msg["date"]:
            t = calendar.timegm(time.strptime(msg["date"], "%Y%m%d%H%M%S"))
            if int(mtime) != t or (date and date != t):
                bad.append("%s: mtime %d, name %d, date %d" % (at, mtime, date, t))
    return bad


def check_po(po_dir, ref_po):
    """One post office folder of the mount against its reference."""
    want = mailcheck.expected(ref_po)
    top = set(os.listdir(po_dir))
    bad = [] if "REPORT.TXT" in top else ["%s: no REPORT.TXT" % po_dir]
    count = 0
    for (box, msgs), root in zip(want.items(), mailcheck.roots(po_dir, want)):
        if not os.path.isdir(os.path.join(root, "cur")):
            bad.append("%s: no Maildir for %r" % (root, box))
            continue
        got, b = messages(root, root)
        bad += b + compare(box, msgs, got, root)
        count += len(got)
    return count, bad


def check(scratch, i, mnt, ref):
    bad, total = [], 0
    listed = sorted(os.listdir(mnt.mnt))
    if listed != sorted(ref):
        bad.append("post offices %r, reference %r" % (listed, sorted(ref)))
    for po in ref:
        n, b = check_po(os.path.join(mnt.mnt, po), ref[po])
        total, bad = total + n, bad + b
    return total, bad


if __name__ == "__main__":
    sys.exit(mailcheck.run_suite("maildir", "view=maildir", check))
