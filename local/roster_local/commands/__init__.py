"""The `roster` commands beside `roster local run`: an administrator's (api.md section 3),
`roster directory load` for AWS engineers, and `roster local serve`."""
