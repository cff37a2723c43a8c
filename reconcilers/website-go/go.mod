module zeroloop.dev/reconcilers/website-go

go 1.26

require zeroloop.dev/reconcilers/sdk-go v0.0.0

replace zeroloop.dev/reconcilers/sdk-go => ../sdk-go
