"""The engine behind both autoencoder estimators: data feeding, schedule, layouts, devices."""
