"""The API's contracts: Pydantic models of every request body and answer, one module per router
area. They make ``/openapi.json`` describe what each route takes and returns, and FastAPI checks
answers against them (an answer the model does not describe is a 500 in the tests, never data
silently dropped)."""
