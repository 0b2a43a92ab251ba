package export

import (
	"bytes"
	"context"
	"testing"
)

// keyPacket frames body as a new-format OpenPGP packet with tag.
func keyPacket(tag byte, body []byte) []byte {
	out := []byte{0xC0 | tag}
	if len(body) < 192 {
		out = append(out, byte(len(body)))
	} else {
		n := len(body) - 192
		out = append(out, byte(n>>8)+192, byte(n))
	}
	return append(out, body...)
}

// FuzzKeyPackets spends fuzzing on the key packets and their S2K: the
// input is a list of packet bodies (separated by "\x00\xff"), each led by
// a byte choosing a passphrase packet (SKESK, any version and S2K: simple,
// salted, iterated, Argon2, GNU) or a public-key one, followed by an
// export's encrypted packet. Whatever they ask (Argon2 with 2^31 KiB,
// the largest count, thousands of packets), Read parses them without a
// panic and derives keys only within its work limit; the export opens
// only through its own packet.
func FuzzKeyPackets(f *testing.F) {
	fuzzLimits(f)
	sealed := cheapSeal(f, plainZipBytes())
	n := int(sealed[1]) + 2 // cheapSeal's SKESK: one-byte length
	own, seipd := sealed[2:n], sealed[n:]
	argon2 := append([]byte{4, cipherAES256, 4}, make([]byte, 16)...)
	argon2 = append(argon2, 1, 1, 31) // t=1, p=1, m=2^31 KiB
	f.Add(append([]byte{tagSKESK}, own...))
	f.Add(append(append([]byte{tagSKESK}, maxSKESK()[2:]...), append([]byte("\x00\xff\x03"), own...)...))
	f.Add(append([]byte{tagSKESK}, argon2...))
	f.Add([]byte{tagSKESK, 6, 9, 2, 0, 1, 2, 3})                                  // v6, AEAD
	f.Add([]byte{tagSKESK, 4, 9, 0, 8})                                           // simple S2K
	f.Add([]byte{tagSKESK, 4, 9, 101, 8, 'G', 'N', 'U', 1})                       // GNU dummy
	f.Add(append([]byte{1, 3}, make([]byte, 8+1+2+32)...))                        // PKESK v3
	f.Add(append([]byte{tagSKESK, 4, 7, 3, 8, 1, 2, 3, 4, 5, 6, 7, 8, 96}, 9, 1)) // AES-128, short key
	f.Fuzz(func(t *testing.T, b []byte) {
		var in []byte
		for i, part := range bytes.Split(b, []byte("\x00\xff")) {
			if i > 64 || len(part) == 0 || len(part) > 8000 {
				return
			}
			tag := byte(tagSKESK)
			if part[0] == 1 {
				tag = 1
			}
			in = append(in, keyPacket(tag, part[1:])...)
		}
		in = append(in, seipd...)
		mem := MemFiles{}
		a, err := read(context.Background(), bytes.NewReader(in), PassphraseIdentity("p"), mem.Sink())
		if err != nil {
			return
		}
		if !bytes.Contains(in, own) {
			t.Fatal("opened without its own passphrase packet")
		}
		checkAccepted(t, a, mem)
	})
}

// FuzzKeyPackets' first seed opens: fuzzing starts past the key packets.
func TestKeyPacketsSeedOpens(t *testing.T) {
	sealed := cheapSeal(t, plainZipBytes())
	n := int(sealed[1]) + 2
	in := append(keyPacket(tagSKESK, sealed[2:n]), sealed[n:]...)
	if _, err := read(context.Background(), bytes.NewReader(in), PassphraseIdentity("p"), MemFiles{}.Sink()); err != nil {
		t.Fatal(err)
	}
}
