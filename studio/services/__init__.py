"""The studio's services: one module per area; views, admin actions and tasks call them."""
