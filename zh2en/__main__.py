from zh2en.launch import main

main()
