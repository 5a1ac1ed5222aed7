CascadeCommand.main()
