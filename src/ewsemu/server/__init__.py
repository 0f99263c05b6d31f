"""The HTTP shell: spyne for SOAP, a small WSGI router for WSDL/XSD and health, waitress for HTTP."""
