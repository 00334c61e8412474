# expect: ClaimShape ClassConstraintComponent https://w3id.org/nekg/id/claim/projects
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
DELETE WHERE { <https://w3id.org/nekg/id/claim/projects> nekg:partOfTotal ?total . } ;
INSERT DATA { <https://w3id.org/nekg/id/claim/projects> nekg:partOfTotal <https://w3id.org/nekg/id/programme/projects> . }
