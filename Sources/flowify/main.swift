Flowify.main()
