from zh2en.cli import main

main()
