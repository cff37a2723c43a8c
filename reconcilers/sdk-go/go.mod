module zeroloop.dev/reconcilers/sdk-go

go 1.26
