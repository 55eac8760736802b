#!/usr/bin/env python3
"""Independent ZVT register (ECR side) that checks a terminal simulator byte by byte.

Written without the project's Swift codec: it sends the exact byte sequences of the
specification (ZVT 13.08 §2.1 registration, §2.2 payment of 12,34 EUR), acknowledges
every terminal message with 80 00 00, and checks the replies. It also checks a declined
12,13 EUR payment (zvt-sim's amount rule), a wrong currency, an unknown command and a
status enquiry.

    scripts/zvt-independent-check.py [--host 127.0.0.1] [--port 20007] [--control PORT]

With --control it also reads the simulator's journal over the control port and checks that
the payment is booked there with the receipt and trace number the terminal reported.
Exit status 0 = every check passed, 1 = a check failed, 2 = no connection.
"""
import argparse
import json
import socket
import sys
import time

ACK = bytes.fromhex("80 00 00")
# Registration from the Valina trace (ZVT 13.08 §2.1): password 123456, config BE, EUR,
# TLV 26 {0A 06 D3}: receipts as print text blocks, intermediate statuses wanted.
REGISTRATION_BE = bytes.fromhex("06 00 0E 12 34 56 BE 09 78 06 06 26 04 0A 02 06 D3")
# Registration that leaves all printing to the terminal (ZVT 13.08 §2.1, DCE memo).
REGISTRATION_08 = bytes.fromhex("06 00 06 12 34 56 08 09 78")
# Payment of 12,34 EUR (ZVT 13.08 §2.2).
PAYMENT_1234 = bytes.fromhex("06 01 0A 04 00 00 00 00 12 34 49 09 78")
# Payment of 12,13 EUR: the simulator's rule for a host decline with code 05 (docs/zvt-sim.md).
PAYMENT_1213 = bytes.fromhex("06 01 0A 04 00 00 00 00 12 13 49 09 78")
# Registration in US dollars: must be refused with 84 1E .. 6F (ZVT 13.08 §2.66, §2.1).
REGISTRATION_USD = bytes.fromhex("06 00 06 12 34 56 BA 08 40")
# A command the terminal does not know: must get 84 83 00 (§2.66).
UNKNOWN_COMMAND = bytes.fromhex("06 99 00")
# Status enquiry (ZVT 13.08 §2.56, ecrterm).
STATUS_ENQUIRY = bytes.fromhex("05 01 03 12 34 56")

# BMP table subset (ZVT 13.08 §13): number -> fixed length, or 'LL' / 'LLL' / 'TLV'.
BMP = {
    0x01: 1, 0x02: 1, 0x03: 1, 0x04: 6, 0x05: 1, 0x06: "TLV", 0x0B: 3, 0x0C: 3, 0x0D: 2, 0x0E: 2,
    0x17: 2, 0x19: 1, 0x22: "LL", 0x23: "LL", 0x24: "LLL", 0x27: 1, 0x29: 4, 0x2A: 15, 0x2D: "LL",
    0x37: 3, 0x3A: 2, 0x3B: 8, 0x3C: "LLL", 0x49: 2, 0x60: "LLL", 0x87: 2, 0x88: 3, 0x8A: 1,
    0x8B: "LL", 0x8C: 1, 0xA0: 1, 0xAA: 3, 0xBA: 5,
}

failures = []


def check(condition, text):
    print(("PASS " if condition else "FAIL ") + text)
    if not condition:
        failures.append(text)
    return condition


def hexs(data):
    return " ".join("%02X" % b for b in data)


def bcd(data):
    return int("".join("%02X" % b for b in data))


def parse_bmps(data):
    """BMP fields of a data block as {number: value}; stops at an unknown number."""
    fields, i = {}, 0
    while i < len(data):
        number = data[i]
        kind = BMP.get(number)
        if kind is None:
            raise ValueError("unknown BMP %02X at %d in %s" % (number, i, hexs(data)))
        i += 1
        if kind == "LL" or kind == "LLL":
            digits = 2 if kind == "LL" else 3
            length = 0
            for b in data[i:i + digits]:
                if b & 0xF0 != 0xF0:
                    raise ValueError("LLVAR length byte %02X" % b)
                length = length * 10 + (b & 0x0F)
            i += digits
        elif kind == "TLV":
            first = data[i]
            if first < 0x80:
                length, i = first, i + 1
            elif first == 0x81:
                length, i = data[i + 1], i + 2
            else:
                length, i = (data[i + 1] << 8) | data[i + 2], i + 3
        else:
            length = kind
        fields[number] = data[i:i + length]
        i += length
    return fields


class Register:
    """A register on one TCP connection: reassembles APDUs from the byte stream itself."""

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buffer = b""

    def drain(self, seconds=0.2):
        """Discards anything the terminal sent before the first command (banners, ZVT 13.08 §2.2.9, §2.20)."""
        self.sock.settimeout(seconds)
        try:
            while True:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.buffer += chunk
        except socket.timeout:
            pass
        self.sock.settimeout(self.timeout)
        dropped, self.buffer = self.buffer, b""
        return dropped

    def send(self, data):
        self.sock.sendall(data)

    def receive(self):
        """The next complete APDU (TCP may split or merge them)."""
        deadline = time.monotonic() + self.timeout
        while True:
            if len(self.buffer) >= 3:
                if self.buffer[2] == 0xFF:
                    if len(self.buffer) >= 5:
                        length = self.buffer[3] | (self.buffer[4] << 8)
                        if len(self.buffer) >= 5 + length:
                            apdu, self.buffer = self.buffer[:5 + length], self.buffer[5 + length:]
                            return apdu
                else:
                    total = 3 + self.buffer[2]
                    if len(self.buffer) >= total:
                        apdu, self.buffer = self.buffer[:total], self.buffer[total:]
                        return apdu
            if time.monotonic() > deadline:
                raise TimeoutError("no complete APDU (have %s)" % hexs(self.buffer))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("terminal closed the connection")
            self.buffer += chunk

    def command(self, apdu):
        """Sends a command; returns (acknowledgement, [PT messages up to 06 0F / 06 1E])."""
        self.send(apdu)
        ack = self.receive()
        messages = []
        if ack[:2] != b"\x80\x00" or apdu[:2] in (b"\x06\x02", b"\x06\xB0"):
            return ack, messages
        while True:
            message = self.receive()
            messages.append(message)
            self.send(ACK)  # acknowledge each terminal message before it sends the next
            if message[:2] in (b"\x06\x0F", b"\x06\x1E"):
                return ack, messages


def data_of(apdu):
    return apdu[5:] if apdu[2] == 0xFF else apdu[3:]


def payment_round(reg, label, expect_print_blocks):
    ack, messages = reg.command(PAYMENT_1234)
    check(ack == ACK, "%s: payment 06 01 answered with 80 00 00 (got %s)" % (label, hexs(ack)))
    names = [hexs(m[:2]) for m in messages]
    status = [m for m in messages if m[:2] == b"\x04\x0F"]
    check(len(status) == 1, "%s: exactly one Status-Information 04 0F (sequence %s)" % (label, " | ".join(names)))
    result = {}
    if status:
        fields = parse_bmps(data_of(status[0]))
        check(fields.get(0x27) == b"\x00", "%s: 04 0F result code BMP 27 = 00" % label)
        check(fields.get(0x04) == bytes.fromhex("00 00 00 00 12 34"), "%s: 04 0F amount BMP 04 = 12,34" % label)
        check(0x0B in fields and 0x87 in fields, "%s: 04 0F has trace BMP 0B and receipt number BMP 87" % label)
        check(fields.get(0x49) == b"\x09\x78", "%s: 04 0F returns currency 09 78 (the register sent one)" % label)
        check(0x29 in fields and len(fields[0x29]) == 4, "%s: 04 0F has terminal id BMP 29" % label)
        pan = fields.get(0x22, b"")
        check(any((b >> 4) == 0xE or (b & 0xF) == 0xE for b in pan), "%s: PAN BMP 22 is masked (E nibbles)" % label)
        if 0x0B in fields and 0x87 in fields:
            result = {"trace": bcd(fields[0x0B]), "receipt": bcd(fields[0x87])}
    prints = [m for m in messages if m[:2] in (b"\x06\xD1", b"\x06\xD3")]
    if expect_print_blocks:
        check(len(prints) >= 1 and all(m[:2] == b"\x06\xD3" for m in prints),
              "%s: receipts come as print text blocks 06 D3 (tag 26 listed 06 D3)" % label)
    else:
        check(not prints, "%s: no print commands (config 08: the terminal prints)" % label)
    check(messages and messages[-1] == bytes.fromhex("06 0F 00"), "%s: sequence ends with Completion 06 0F 00" % label)
    statuses = [m for m in messages if m[:2] == b"\x04\xFF"]
    check(len(statuses) >= 1, "%s: intermediate statuses 04 FF were sent (config bit 08)" % label)
    return result


def control_journal(host, port):
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"journal\n")
        data = b""
        while not data.endswith(b"\n.\n") and data != b".\n":
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return [json.loads(line) for line in data.decode().splitlines() if line and line != "."]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=20007)
    parser.add_argument("--control", type=int, help="control port of zvt-sim, to compare its journal")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    try:
        reg = Register(args.host, args.port, args.timeout)
    except OSError as error:
        print("FAIL no connection to %s:%d: %s" % (args.host, args.port, error))
        return 2
    dropped = reg.drain()
    if dropped:
        print("INFO discarded %d bytes before the first command: %s" % (len(dropped), hexs(dropped[:32])))

    try:
        # Wrong currency at registration.
        ack, messages = reg.command(REGISTRATION_USD)
        check(ack[:2] == b"\x84\x1E" and len(ack) >= 4 and ack[3] == 0x6F and not messages,
              "registration in USD refused with 84 1E .. 6F (got %s)" % hexs(ack))

        # Unknown command.
        ack, _ = reg.command(UNKNOWN_COMMAND)
        check(ack == bytes.fromhex("84 83 00"), "unknown command 06 99 answered 84 83 00 (got %s)" % hexs(ack))

        # Registration BE + TLV 26 {06 D3}.
        ack, messages = reg.command(REGISTRATION_BE)
        check(ack == ACK, "registration 06 00 (BE, TLV 26) answered with 80 00 00 (got %s)" % hexs(ack))
        check(len(messages) == 1 and messages[0][:2] == b"\x06\x0F", "registration ends with one Completion 06 0F")
        if messages:
            fields = parse_bmps(data_of(messages[0]))
            check(fields.get(0x19) == b"\x00", "registration Completion: status byte BMP 19 = 00")
            check(0x29 in fields, "registration Completion: terminal id BMP 29")
            check(fields.get(0x49) == b"\x09\x78", "registration Completion: currency BMP 49 = 09 78")

        first = payment_round(reg, "payment after BE", expect_print_blocks=True)

        # Registration 08: the terminal prints, statuses still wanted.
        ack, messages = reg.command(REGISTRATION_08)
        check(ack == ACK and len(messages) == 1 and messages[0][:2] == b"\x06\x0F",
              "registration 06 00 (08) answered 80 00 00 and completed")
        second = payment_round(reg, "payment after 08", expect_print_blocks=False)
        if first and second:
            check(second["receipt"] == first["receipt"] + 1 and second["trace"] == first["trace"] + 1,
                  "receipt and trace numbers count up (%s -> %s)" % (first, second))

        ack, messages = reg.command(PAYMENT_1213)
        status = [m for m in messages if m[:2] == b"\x04\x0F"]
        check(ack == ACK and len(status) == 1 and parse_bmps(data_of(status[0])).get(0x27) == b"\x05",
              "payment of 12,13 declined: 04 0F with BMP 27 = 05")
        check(messages and messages[-1] == bytes.fromhex("06 1E 01 05"), "declined payment ends with Abort 06 1E 01 05")
        check(status and 0x87 not in parse_bmps(data_of(status[0])), "declined payment has no receipt number")

        ack, messages = reg.command(STATUS_ENQUIRY)
        check(ack == ACK and len(messages) == 1 and messages[0][:2] == b"\x06\x0F",
              "status enquiry 05 01 answered 80 00 00, then 06 0F")
        if messages:
            data = data_of(messages[0])
            check(len(data) >= 1 and data[-1] in (0x00, 0xF0), "status enquiry Completion ends with terminal status (%s)" % hexs(data[-1:]))
    except (TimeoutError, ConnectionError, ValueError, OSError) as error:
        check(False, "conversation broke off: %s" % error)
        return 1

    if args.control and first and second:
        entries = control_journal(args.host, args.control)
        booked = {(e.get("receipt"), e.get("trace")) for e in entries
                  if e["kind"] == "payment" and e["status"] == "booked" and e["amountCents"] == 1234}
        declined = [e for e in entries if e["amountCents"] == 1213]
        check(len(declined) == 1 and declined[0]["status"] == "declined" and declined[0]["resultCode"] == "05",
              "journal records the 12,13 payment as declined with 05")
        for label, seen in (("first", first), ("second", second)):
            check((seen["receipt"], seen["trace"]) in booked,
                  "journal books the %s payment with receipt %d, trace %d" % (label, seen["receipt"], seen["trace"]))

    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
