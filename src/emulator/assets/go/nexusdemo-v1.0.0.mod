module example.com/nexusdemo

go 1.21
