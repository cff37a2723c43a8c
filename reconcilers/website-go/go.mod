module zeroloop.dev/reconcilers/website-go

go 1.26

require github.com/zeroloop/zeroloop/reconcilers/sdk-go v0.0.0

replace github.com/zeroloop/zeroloop/reconcilers/sdk-go => ../sdk-go
