module github.com/zeroloop/zeroloop/reconcilers/sdk-go

go 1.26
