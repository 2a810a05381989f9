package app

import (
	"context"

	"pulso/internal/ingest"
	"pulso/internal/store"
)

// Import applies files of one kind as one batch.
func Import(ctx context.Context, dsn string, opt ingest.Options, files []string) (ingest.Result, error) {
	inputs := make([]ingest.Input, 0, len(files))
	for _, f := range files {
		in, err := ingest.FileInput(f)
		if err != nil {
			return ingest.Result{}, err
		}
		inputs = append(inputs, in)
	}
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return ingest.Result{}, err
	}
	defer st.Close()
	return ingest.New(st).Import(ctx, opt, inputs...)
}

// Sources lists stored rows and last imports.
func Sources(ctx context.Context, dsn, tenant string) ([]store.Source, error) {
	st, err := OpenReader(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Sources(ctx, tenant)
}

// Migrate opens the store, which applies pending migrations.
func Migrate(ctx context.Context, dsn string) error {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	return st.Close()
}
