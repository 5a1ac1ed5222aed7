Sniff.main()
