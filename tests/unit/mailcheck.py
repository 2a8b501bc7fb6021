#!/usr/bin/env python3
"""Parses every *.eml file of a folder with Python's email package (policy
default), as a mail program would, and writes what it found beside each
one for the C suite to compare with the source:

  NAME.body      the text part, decoded, UTF-8, line ends made LF
  NAME.attK      attachment K (from 1), decoded bytes
  NAME.names     one attachment file name a line, as the parser reads it
  NAME.hdr       Message-ID, Date, From, To, Cc, Bcc, Subject: one a line,
                 "Field: decoded value" (absent fields left out)

Exits 1, naming the file, when a message has a defect or a header line is
longer than 998 octets. Usage: mailcheck.py FOLDER
"""
import email
import email.policy
import pathlib
import sys

FIELDS = ("Message-ID", "Date", "From", "To", "Cc", "Bcc", "Subject")


def check(path):
    raw = path.read_bytes()
    for line in raw.split(b"\n"):
        if len(line.rstrip(b"\r")) > 998:
            return f"{path}: a line of {len(line)} octets"
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [(p.get_content_type(), d) for p in msg.walk()
               for d in p.defects]
    if defects:
        return f"{path}: defects {defects}"
    body = msg.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    text = text.replace("\r\n", "\n")
    pathlib.Path(f"{path}.body").write_bytes(text.encode("utf-8"))
    names = []
    for k, part in enumerate(msg.iter_attachments(), 1):
        pathlib.Path(f"{path}.att{k}").write_bytes(part.get_content())
        names.append(part.get_filename() or "")
    pathlib.Path(f"{path}.names").write_text(
        "".join(n + "\n" for n in names), encoding="utf-8")
    hdr = "".join(f"{f}: {msg[f]}\n" for f in FIELDS if msg[f] is not None)
    pathlib.Path(f"{path}.hdr").write_text(hdr, encoding="utf-8")
    return None


def main():
    bad = 0
    files = sorted(pathlib.Path(sys.argv[1]).glob("*.eml"))
    for path in files:
        why = check(path)
        if why:
            print(why)
            bad += 1
    print(f"mailcheck: {len(files)} messages, {bad} bad")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
