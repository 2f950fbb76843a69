"""What the shopper pages and the ops console both use, owned by neither: responses, the page context, services."""
