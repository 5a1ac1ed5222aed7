print("sniff")
