Featurize.main()
