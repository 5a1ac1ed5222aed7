// Packet capture (libpcap) and decoding.
