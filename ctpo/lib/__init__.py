"""Cross-cutting helpers of the service: settings and error types."""
