AlertCommand.main()
