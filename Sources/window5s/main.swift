Window5s.main()
